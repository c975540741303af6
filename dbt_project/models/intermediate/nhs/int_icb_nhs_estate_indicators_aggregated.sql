{#- trust measure -> the registry indicator it makes -#}
{% set indicator_measures = [
    ("gross_internal_floor_area_m2", "nhs_estate_gross_internal_floor_area"),
    ("backlog_high_risk_gbp", "nhs_estate_backlog_high_risk_cost"),
    ("backlog_significant_risk_gbp", "nhs_estate_backlog_significant_risk_cost"),
    ("backlog_moderate_risk_gbp", "nhs_estate_backlog_moderate_risk_cost"),
    ("backlog_low_risk_gbp", "nhs_estate_backlog_low_risk_cost"),
    ("backlog_total_gbp", "nhs_estate_backlog_total_cost"),
    ("energy_consumed_kwh", "nhs_estate_energy_consumption"),
    ("energy_cost_gbp", "nhs_estate_energy_cost"),
    ("carbon_tco2e", "nhs_estate_energy_carbon_emissions"),
    ("water_volume_m3", "nhs_estate_water_volume"),
    ("waste_tonnes", "nhs_estate_waste"),
    ("parking_spaces", "nhs_estate_parking_spaces"),
    ("sites", "nhs_estate_sites")
] %}
-- ERIC estate, energy and carbon figures of the NHS trusts serving each ICB, one row per ICB, vintage,
-- indicator and year, in the column layout of the other ICB indicator models. Each trust's figure is
-- shared among ICBs by int_nhs_eric_trusts_icbs_apportioned (acute trusts by their patients' catchments,
-- others by headquarters: method catchment_and_organisation_hq), so the ICB figures add up to the trusts'.
-- Coverage is the share of the ICB's apportioned trust returns that have the figure. Returns with no ICB
-- (care trusts with T-codes) are in no ICB figure, as the attribution model shows.

with

series as (
    select * from {{ ref('int_nhs_eric_trust_series_joined') }}
),

emissions as (
    select * from {{ ref('int_nhs_eric_trust_emissions_estimated') }}
),

attribution as (
    select * from {{ ref('int_nhs_eric_trusts_icbs_apportioned') }}
),

memberships as (
    select * from {{ ref('int_lsoa21_icb_memberships_unioned') }}
),

icbs as (
    select distinct
        icb_code,
        icb_vintage
    from memberships
),

-- the trust's carbon: NULL unless every energy line with a factor has its kWh
trust_carbon as (
    select
        period,
        trust_code,
        'carbon_tco2e' as measure,
        case
            when count(*) filter (where carbon_status = 'missing') = 0
                then sum(tonnes_co2e)
        end as value
    from emissions
    group by period, trust_code
),

indicator_measures as (
    {%- for row in indicator_measures %}
        select
            '{{ row[0] | replace("'", "''") }}' as measure,
            '{{ row[1] | replace("'", "''") }}' as indicator_id
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

trust_figures as (
    select
        period,
        trust_code,
        measure,
        value
    from series
    union all by name
    select
        period,
        trust_code,
        measure,
        value
    from trust_carbon
),

periods as (
    select
        period,
        any_value(period_start) as period_start,
        any_value(source_id) as source_id
    from series
    group by period
),

-- the years each indicator exists in (a measure not asked in a year has no rows in the series)
indicator_periods as (
    select distinct
        indicator_measures.indicator_id,
        indicator_measures.measure,
        trust_figures.period
    from trust_figures
    inner join indicator_measures on trust_figures.measure = indicator_measures.measure
),

apportioned as (
    select
        attribution.icb_code,
        attribution.icb_vintage,
        indicator_measures.indicator_id,
        trust_figures.period,
        trust_figures.value * attribution.share as value,
        attribution.share,
        trust_figures.value is not null as has_figure
    from trust_figures
    inner join indicator_measures on trust_figures.measure = indicator_measures.measure
    inner join attribution
        on trust_figures.period = attribution.period
        and trust_figures.trust_code = attribution.trust_code
    where attribution.icb_code is not null
),

sums as (
    select
        icb_code,
        icb_vintage,
        indicator_id,
        period,
        sum(value) as value,
        sum(share) filter (where has_figure) / sum(share) as coverage
    from apportioned
    group by icb_code, icb_vintage, indicator_id, period
),

figures as (
    select
        icbs.icb_code,
        icbs.icb_vintage,
        indicator_periods.indicator_id,
        indicator_periods.period,
        periods.period_start,
        periods.source_id,
        sums.value,
        coalesce(sums.coverage, 0) as coverage
    from icbs
    cross join indicator_periods
    inner join periods on indicator_periods.period = periods.period
    left join sums
        on icbs.icb_code = sums.icb_code
        and icbs.icb_vintage = sums.icb_vintage
        and indicator_periods.indicator_id = sums.indicator_id
        and indicator_periods.period = sums.period
),

final as (
    select
        icb_code,
        icb_vintage,
        indicator_id,
        period,
        period_start,
        cast(value as double) as value,
        cast(null as double) as lower_ci,
        cast(null as double) as upper_ci,
        cast(null as double) as numerator,
        cast(null as double) as denominator,
        case
            when value is null then 'missing'
            when coverage < 0.9999 then 'partial'
            else 'ok'
        end as value_status,
        'catchment_and_organisation_hq' as method,
        source_id,
        cast(coverage as double) as coverage
    from figures
)

select * from final

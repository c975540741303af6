{#- series measure -> energy source label, for the breakdown of energy use and its carbon -#}
{% set energy_sources = [
    ("electricity_grid_kwh", "electricity (grid, incl. green tariff)"),
    ("electricity_third_party_renewable_kwh", "electricity (third-party-owned renewable)"),
    ("gas_kwh", "gas"),
    ("oil_kwh", "oil"),
    ("coal_kwh", "coal"),
    ("steam_kwh", "steam"),
    ("hot_water_kwh", "hot water"),
    ("non_fossil_renewable_kwh", "renewable non-fossil fuel")
] %}
-- ERIC breakdowns per ICB, in the layout of icb_indicator_breakdowns: energy use and its carbon by energy
-- source (2015/16, 2016/17, 2019/20) and sites by ERIC site type (2019/20), each trust's figure shared among
-- ICBs as the ICB totals are (int_nhs_eric_trusts_icbs_apportioned: acute trusts by catchment, others by
-- headquarters). england_value is the sum over every trust return of the year, those in no ICB included.

with

series as (
    select * from {{ ref('int_nhs_eric_trust_series_joined') }}
),

emissions as (
    select * from {{ ref('int_nhs_eric_trust_emissions_estimated') }}
),

site_returns as (
    select * from {{ ref('stg_nhs_eric__site_returns_2019_20') }}
),

attribution as (
    select * from {{ ref('int_nhs_eric_trusts_icbs_apportioned') }}
),

energy_source_labels as (
    {%- for row in energy_sources %}
        select
            '{{ row[0] }}' as measure,
            '{{ row[1] }}' as breakdown_value
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

trust_breakdowns as (
    select
        series.period,
        series.source_id,
        series.trust_code,
        'nhs_estate_energy_consumption_by_source' as indicator_id,
        'energy_source' as breakdown,
        energy_source_labels.breakdown_value,
        series.value
    from series
    inner join energy_source_labels on series.measure = energy_source_labels.measure
    union all
    select
        emissions.period,
        emissions.source_id,
        emissions.trust_code,
        'nhs_estate_energy_carbon_emissions_by_source' as indicator_id,
        'energy_source' as breakdown,
        energy_source_labels.breakdown_value,
        emissions.tonnes_co2e as value
    from emissions
    inner join energy_source_labels on emissions.energy_line = energy_source_labels.measure
    -- a line with no conversion factor has no carbon to break down
    where emissions.carbon_status != 'no_conversion_factor'
    union all
    select
        any_value(period) as period,
        any_value(source_id) as source_id,
        trust_code,
        'nhs_estate_sites_by_type' as indicator_id,
        'site_type' as breakdown,
        site_type as breakdown_value,
        cast(count(*) as double) as value
    from site_returns
    where not is_other_reportable_sites_aggregate
    group by trust_code, site_type
),

england as (
    select
        indicator_id,
        period,
        breakdown_value,
        sum(value) as england_value
    from trust_breakdowns
    group by indicator_id, period, breakdown_value
),

final as (
    select
        attribution.icb_code,
        attribution.icb_vintage,
        trust_breakdowns.indicator_id,
        trust_breakdowns.period,
        trust_breakdowns.breakdown,
        trust_breakdowns.breakdown_value,
        sum(trust_breakdowns.value * attribution.share) as value,
        any_value(england.england_value) as england_value,
        'catchment_and_organisation_hq' as method,
        any_value(trust_breakdowns.source_id) as source_id
    from trust_breakdowns
    inner join attribution
        on trust_breakdowns.period = attribution.period
        and trust_breakdowns.trust_code = attribution.trust_code
    inner join england
        on trust_breakdowns.indicator_id = england.indicator_id
        and trust_breakdowns.period = england.period
        and trust_breakdowns.breakdown_value = england.breakdown_value
    where attribution.icb_code is not null
    group by all
)

select * from final

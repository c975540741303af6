{#- the measures ERIC did not ask in a year -#}
{% set measures_not_asked = [
    ("electricity_third_party_renewable_kwh", "2015/16"),
    ("waste_tonnes", "2015/16"),
    ("waste_tonnes", "2016/17"),
    ("sites", "2015/16"),
    ("sites", "2016/17")
] %}
{#- which measures ERIC asked differently in a year: measure, year, comparable with the other years, how -#}
{% set measure_definitions = [
    ("energy_cost_gbp", "2019/20", false, "No published total in 2019/20: the sum of the electricity, gas, oil, coal, green-tariff, third-party renewable, non-fossil and other energy costs, without PFI energy costs. 2015/16 and 2016/17 publish \"Energy costs (all energy supplies)\"."),
    ("electricity_grid_kwh", "2015/16", true, "One \"renewable\" electricity line in 2015/16, counted here as grid electricity on a green tariff; later years split green tariff (included) from third-party-owned renewables (not included)."),
    ("electricity_third_party_renewable_kwh", "2015/16", false, "Not asked separately in 2015/16."),
    ("waste_tonnes", "2019/20", false, "Eleven clinical, offensive, domestic and confidential waste streams in 2019/20; earlier years ask for different streams (landfill, incineration, recycling, other recovery) and are not joined."),
    ("sites", "2019/20", false, "Sites returned in 2019/20 (Other Reportable Site rows not counted); earlier years publish site counts by type under other definitions and are not joined.")
] %}
{% set measures = [
    'gross_internal_floor_area_m2',
    'backlog_high_risk_gbp', 'backlog_significant_risk_gbp', 'backlog_moderate_risk_gbp', 'backlog_low_risk_gbp',
    'backlog_total_gbp',
    'electricity_grid_kwh', 'electricity_third_party_renewable_kwh', 'gas_kwh', 'oil_kwh', 'coal_kwh',
    'steam_kwh', 'hot_water_kwh', 'non_fossil_renewable_kwh', 'energy_consumed_kwh', 'energy_cost_gbp',
    'water_volume_m3', 'parking_spaces', 'waste_tonnes', 'sites'
] %}
-- ERIC by trust over the years: one row per year, trust and measure, joining the 2015/16 and 2016/17 trust
-- returns with 2019/20 summed from sites (int_nhs_eric_site_returns_summed). A measure is carried for a
-- year only where ERIC asked the same question; where the definition changed, is_comparable_across_periods
-- is false and definition_note says how (measure_definitions below is the one place this is decided).
-- Trust codes are as in each year (trusts merged in between appear under their old codes in older years).
-- 2015/16 and 2016/17 rows that fit neither ERIC layout (int_nhs_eric_trust_returns_repaired) carry no
-- figures; the shifted rows it repairs are shifted only in text fields, so their figures are used.

with

returns_2015_16 as (
    select * from {{ ref('stg_nhs_eric__trust_returns_2015_16') }}
),

returns_2016_17 as (
    select * from {{ ref('stg_nhs_eric__trust_returns_2016_17') }}
),

repaired as (
    select * from {{ ref('int_nhs_eric_trust_returns_repaired') }}
),

sites_summed as (
    select * from {{ ref('int_nhs_eric_site_returns_summed') }}
),

wide_2015_16 as (
    select
        period,
        trust_code,
        gross_internal_floor_area_m2,
        backlog_high_risk_gbp,
        backlog_significant_risk_gbp,
        backlog_moderate_risk_gbp,
        backlog_low_risk_gbp,
        backlog_high_risk_gbp + backlog_significant_risk_gbp
        + backlog_moderate_risk_gbp + backlog_low_risk_gbp as backlog_total_gbp,
        -- 2015/16 has one "renewable" electricity line, taken as grid electricity on a green tariff
        electricity_kwh + electricity_renewable_kwh as electricity_grid_kwh,
        cast(null as double) as electricity_third_party_renewable_kwh,
        gas_kwh,
        oil_kwh,
        coal_kwh,
        steam_kwh,
        hot_water_kwh,
        non_fossil_renewable_kwh,
        electricity_kwh + gas_kwh + oil_kwh + coal_kwh + steam_kwh + hot_water_kwh
        + electricity_renewable_kwh + non_fossil_renewable_kwh as energy_consumed_kwh,
        energy_cost_gbp,
        water_volume_m3,
        parking_spaces,
        cast(null as double) as waste_tonnes,
        cast(null as double) as sites
    from returns_2015_16
),

wide_2016_17 as (
    select
        period,
        trust_code,
        gross_internal_floor_area_m2,
        backlog_high_risk_gbp,
        backlog_significant_risk_gbp,
        backlog_moderate_risk_gbp,
        backlog_low_risk_gbp,
        backlog_high_risk_gbp + backlog_significant_risk_gbp
        + backlog_moderate_risk_gbp + backlog_low_risk_gbp as backlog_total_gbp,
        electricity_kwh + electricity_green_tariff_kwh as electricity_grid_kwh,
        electricity_third_party_renewable_kwh,
        gas_kwh,
        oil_kwh,
        coal_kwh,
        steam_kwh,
        hot_water_kwh,
        non_fossil_renewable_kwh,
        electricity_kwh + gas_kwh + oil_kwh + coal_kwh + steam_kwh + hot_water_kwh
        + electricity_green_tariff_kwh + electricity_third_party_renewable_kwh + non_fossil_renewable_kwh
            as energy_consumed_kwh,
        energy_cost_gbp,
        water_volume_m3,
        parking_spaces,
        cast(null as double) as waste_tonnes,
        cast(null as double) as sites
    from returns_2016_17
),

wide_2019_20 as (
    select
        period,
        trust_code,
        gross_internal_floor_area_m2,
        backlog_high_risk_gbp,
        backlog_significant_risk_gbp,
        backlog_moderate_risk_gbp,
        backlog_low_risk_gbp,
        backlog_high_risk_gbp + backlog_significant_risk_gbp
        + backlog_moderate_risk_gbp + backlog_low_risk_gbp as backlog_total_gbp,
        electricity_kwh + electricity_green_tariff_kwh as electricity_grid_kwh,
        electricity_third_party_renewable_kwh,
        gas_kwh,
        oil_kwh,
        coal_kwh,
        steam_kwh,
        hot_water_kwh,
        non_fossil_renewable_kwh,
        electricity_kwh + gas_kwh + oil_kwh + coal_kwh + steam_kwh + hot_water_kwh
        + electricity_green_tariff_kwh + electricity_third_party_renewable_kwh + non_fossil_renewable_kwh
            as energy_consumed_kwh,
        -- no published total: the per-supply costs and other energy costs (PFI energy costs apart)
        electricity_cost_gbp + gas_cost_gbp + oil_cost_gbp + coal_cost_gbp + electricity_green_tariff_cost_gbp
        + electricity_third_party_renewable_cost_gbp + non_fossil_renewable_cost_gbp + other_energy_cost_gbp
            as energy_cost_gbp,
        water_volume_m3,
        parking_spaces,
        waste_tonnes,
        cast(sites as double) as sites
    from sites_summed
),

wide as (
    select * from wide_2015_16
    union all by name
    select * from wide_2016_17
    union all by name
    select * from wide_2019_20
),

long as (
    select * from wide
    unpivot include nulls (value for measure in ({{ measures | join(', ') }}))
),

-- which measures ERIC asked the same way in each year, and what differs where it did not
measure_definitions as (
    {%- for row in measure_definitions %}
        select
            '{{ row[0] | replace("'", "''") }}' as measure,
            '{{ row[1] | replace("'", "''") }}' as period,
            {{ row[2] }} as is_comparable_across_periods,
            '{{ row[3] | replace("'", "''") }}' as definition_note
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

-- the measures carried only in some years
measures_not_asked as (
    {%- for row in measures_not_asked %}
        select
            '{{ row[0] | replace("'", "''") }}' as measure,
            '{{ row[1] | replace("'", "''") }}' as period
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

trust_details as (
    select
        period,
        trust_code,
        trust_name,
        organisation_type as trust_type,
        row_layout
    from repaired
    union all
    select
        period,
        trust_code,
        trust_name,
        trust_type,
        'sum_of_sites' as row_layout
    from sites_summed
),

final as (
    select
        long.period,
        make_date(cast(left(long.period, 4) as integer), 4, 1) as period_start,
        case long.period
            when '2015/16' then 'nhs_eric_trusts_2015_16'
            when '2016/17' then 'nhs_eric_trusts_2016_17'
            when '2019/20' then 'nhs_eric_sites_2019_20'
        end as source_id,
        long.trust_code,
        trust_details.trust_name,
        trust_details.trust_type,
        trust_details.trust_type like 'ACUTE%' as is_acute_trust,
        case when trust_details.row_layout = 'sum_of_sites' then 'sum_of_sites' else 'trust_return' end
            as value_basis,
        long.measure,
        case when trust_details.row_layout != 'unrepairable' then long.value end as value,
        case
            when trust_details.row_layout = 'unrepairable' then 'unrepairable_row'
            when long.value is null then 'missing'
            else 'ok'
        end as value_status,
        coalesce(measure_definitions.is_comparable_across_periods, true) as is_comparable_across_periods,
        measure_definitions.definition_note
    from long
    inner join trust_details
        on long.period = trust_details.period
        and long.trust_code = trust_details.trust_code
    left join measure_definitions
        on long.measure = measure_definitions.measure
        and long.period = measure_definitions.period
    anti join measures_not_asked
        on long.measure = measures_not_asked.measure
        and long.period = measures_not_asked.period
)

select * from final

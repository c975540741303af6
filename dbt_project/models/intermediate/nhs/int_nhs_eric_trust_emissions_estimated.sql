{#- ERIC energy line -> the conversion factor's fuel (empty: no factor) -#}
{% set energy_lines = [
    ("electricity_grid_kwh", "electricity"),
    ("gas_kwh", "natural_gas"),
    ("oil_kwh", "oil"),
    ("coal_kwh", "coal"),
    ("steam_kwh", "heat_and_steam"),
    ("hot_water_kwh", "heat_and_steam"),
    ("electricity_third_party_renewable_kwh", ""),
    ("non_fossil_renewable_kwh", "")
] %}
-- Carbon from each trust's energy use, one row per year, trust and ERIC energy line: kWh times the UK
-- Government conversion factor of the year for that fuel (seed ghg_conversion_factors, kg CO2e per kWh),
-- in tonnes CO2e. Lines with no factor (third-party-owned renewable electricity, renewable non-fossil
-- fuel) keep their kWh and no carbon, so a trust's total states what it leaves out. Scope 1 and 2 only:
-- no well-to-tank or transmission-loss factors, location-based electricity (green tariffs at the grid
-- factor, as the publication's guidance has it for location-based reporting).

with

series as (
    select * from {{ ref('int_nhs_eric_trust_series_joined') }}
),

factors as (
    select * from {{ ref('ghg_conversion_factors') }}
),

energy_lines as (
    {%- for row in energy_lines %}
        select
            '{{ row[0] | replace("'", "''") }}' as measure,
            nullif('{{ row[1] | replace("'", "''") }}', '') as fuel
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

final as (
    select
        series.period,
        series.period_start,
        series.source_id,
        series.trust_code,
        series.trust_name,
        series.is_acute_trust,
        series.measure as energy_line,
        series.value as kwh,
        energy_lines.fuel,
        factors.kg_co2e_per_kwh,
        factors.factor_year,
        factors.scope,
        factors.publication,
        series.value * factors.kg_co2e_per_kwh / 1000 as tonnes_co2e,
        case
            when energy_lines.fuel is null then 'no_conversion_factor'
            when factors.fuel is null then 'no_factor_for_year'
            when series.value is null then 'missing'
            else 'ok'
        end as carbon_status
    from series
    inner join energy_lines on series.measure = energy_lines.measure
    left join factors
        on energy_lines.fuel = factors.fuel
        and series.period = factors.eric_period
)

select * from final

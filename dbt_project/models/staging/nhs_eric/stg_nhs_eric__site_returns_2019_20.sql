{% set source_id = 'nhs_eric_sites_2019_20' %}
{#- every figure column of the site file that the estate models use, in the order of the registry -#}
{% set figure_columns = [
    'gross_internal_floor_area_m2',
    'backlog_high_risk_gbp', 'backlog_significant_risk_gbp', 'backlog_moderate_risk_gbp', 'backlog_low_risk_gbp',
    'electricity_cost_gbp', 'electricity_kwh', 'gas_cost_gbp', 'gas_kwh', 'oil_cost_gbp', 'oil_kwh',
    'coal_cost_gbp', 'coal_kwh', 'electricity_green_tariff_cost_gbp', 'electricity_green_tariff_kwh',
    'electricity_third_party_renewable_cost_gbp', 'electricity_third_party_renewable_kwh',
    'non_fossil_renewable_cost_gbp', 'non_fossil_renewable_kwh', 'other_energy_cost_gbp', 'steam_kwh',
    'hot_water_kwh', 'energy_pfi_contractor_cost_gbp', 'energy_pfi_management_cost_gbp',
    'water_sewerage_cost_gbp', 'water_volume_m3',
    'clinical_waste_incineration_tonnes', 'clinical_waste_alternative_treatment_tonnes', 'offensive_waste_tonnes',
    'clinical_waste_processed_on_site_tonnes', 'domestic_waste_landfill_tonnes', 'domestic_waste_recycling_tonnes',
    'domestic_waste_food_tonnes', 'domestic_waste_textiles_tonnes', 'domestic_waste_incineration_tonnes',
    'domestic_waste_processed_on_site_tonnes', 'confidential_waste_tonnes',
    'parking_spaces', 'disabled_parking_spaces'
] %}
-- Rename and cast only: one row per site as published. Numbers arrive as text with thousands separators
-- ("8,524,748"); to_number strips them. "Not Applicable" (the site's energy, water, waste or backlog is not
-- reported separately) and blank cells become NULL with a value_status, never 0; text in a figure column
-- would get status invalid, which the accepted_values tests on the status columns turn into a failed build.

with

source as (
    select * from {{ source('nhs_eric', 'nhs_eric_sites_2019_20') }}
),

final as (
    select
        '{{ source_id }}' as source_id,
        '2019/20' as period,
        make_date(2019, 4, 1) as period_start,
        trust_code,
        trust_name,
        commissioning_region,
        trust_type,
        site_code,
        site_name,
        site_type,
        -- "Other Reportable Site" rows aggregate a trust's minor sites: part of its totals, not a site
        site_type = 'Other Reportable Site' as is_other_reportable_sites_aggregate,
        tenure,
        postcode,
    {%- for column in figure_columns %}
        {{ to_number(column) }} as {{ column }},
        {{ value_status(column, source_id) }} as {{ column }}_status{{ ',' if not loop.last }}
    {%- endfor %}
    from source
)

select * from final

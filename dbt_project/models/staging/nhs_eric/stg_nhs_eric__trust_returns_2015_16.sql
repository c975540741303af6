{% set source_id = 'nhs_eric_trusts_2015_16' %}
-- Rename and cast only. Numbers go through to_number / value_status, so "Not Applicable" and
-- "No Data Provided" become NULL with a status, never 0. Text fields are kept as published: a row
-- shifted by a comma in the trust name holds the next field's text in them (re-aligned in
-- int_nhs_eric_trust_returns_repaired).

with

source as (
    select * from {{ source('nhs_eric', 'nhs_eric_trusts_2015_16') }}
),

final as (
    select
        'nhs_eric_trusts_2015_16' as source_id,
        '2015/16' as period,
        make_date(2015, 4, 1) as period_start,
        trust_code,
        trust_name,
        commissioning_region,
        organisation_type,
        general_acute_sites as general_acute_sites_published,
        has_sdmp as sdmp_answer_published,
        carbon_reduction_target as carbon_reduction_target_published,
        {{ to_number('contracted_out_services_gbp') }} as contracted_out_services_gbp,
        {{ value_status('contracted_out_services_gbp', source_id) }} as contracted_out_services_gbp_status,
        {{ to_number('hard_fm_costs_gbp') }} as hard_fm_costs_gbp,
        {{ value_status('hard_fm_costs_gbp', source_id) }} as hard_fm_costs_gbp_status,
        {{ to_number('soft_fm_costs_gbp') }} as soft_fm_costs_gbp,
        {{ value_status('soft_fm_costs_gbp', source_id) }} as soft_fm_costs_gbp_status,
        {{ to_number('gross_internal_floor_area_m2') }} as gross_internal_floor_area_m2,
        {{ value_status('gross_internal_floor_area_m2', source_id) }} as gross_internal_floor_area_m2_status,
        {{ to_number('backlog_high_risk_gbp') }} as backlog_high_risk_gbp,
        {{ value_status('backlog_high_risk_gbp', source_id) }} as backlog_high_risk_gbp_status,
        {{ to_number('backlog_significant_risk_gbp') }} as backlog_significant_risk_gbp,
        {{ value_status('backlog_significant_risk_gbp', source_id) }} as backlog_significant_risk_gbp_status,
        {{ to_number('backlog_moderate_risk_gbp') }} as backlog_moderate_risk_gbp,
        {{ value_status('backlog_moderate_risk_gbp', source_id) }} as backlog_moderate_risk_gbp_status,
        {{ to_number('backlog_low_risk_gbp') }} as backlog_low_risk_gbp,
        {{ value_status('backlog_low_risk_gbp', source_id) }} as backlog_low_risk_gbp_status,
        {{ to_number('backlog_total_gbp') }} as backlog_total_gbp,
        {{ value_status('backlog_total_gbp', source_id) }} as backlog_total_gbp_status,
        {{ to_number('energy_cost_gbp') }} as energy_cost_gbp,
        {{ value_status('energy_cost_gbp', source_id) }} as energy_cost_gbp_status,
        {{ to_number('electricity_kwh') }} as electricity_kwh,
        {{ value_status('electricity_kwh', source_id) }} as electricity_kwh_status,
        {{ to_number('gas_kwh') }} as gas_kwh,
        {{ value_status('gas_kwh', source_id) }} as gas_kwh_status,
        {{ to_number('oil_kwh') }} as oil_kwh,
        {{ value_status('oil_kwh', source_id) }} as oil_kwh_status,
        {{ to_number('coal_kwh') }} as coal_kwh,
        {{ value_status('coal_kwh', source_id) }} as coal_kwh_status,
        {{ to_number('steam_kwh') }} as steam_kwh,
        {{ value_status('steam_kwh', source_id) }} as steam_kwh_status,
        {{ to_number('hot_water_kwh') }} as hot_water_kwh,
        {{ value_status('hot_water_kwh', source_id) }} as hot_water_kwh_status,
        {{ to_number('electricity_renewable_kwh') }} as electricity_renewable_kwh,
        {{ value_status('electricity_renewable_kwh', source_id) }} as electricity_renewable_kwh_status,
        {{ to_number('non_fossil_renewable_kwh') }} as non_fossil_renewable_kwh,
        {{ value_status('non_fossil_renewable_kwh', source_id) }} as non_fossil_renewable_kwh_status,
        {{ to_number('water_volume_m3') }} as water_volume_m3,
        {{ value_status('water_volume_m3', source_id) }} as water_volume_m3_status,
        {{ to_number('parking_spaces') }} as parking_spaces,
        {{ value_status('parking_spaces', source_id) }} as parking_spaces_status
    from source
)

select * from final

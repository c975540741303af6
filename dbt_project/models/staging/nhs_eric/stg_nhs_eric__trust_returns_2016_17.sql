{% set source_id = 'nhs_eric_trusts_2016_17' %}
-- Rename and cast only. Numbers go through to_number / value_status, so "Not Applicable" and
-- "No Data Provided" become NULL with a status, never 0. Text fields are kept as published: a row
-- shifted by a comma in the trust name holds the next field's text in them (re-aligned in
-- int_nhs_eric_trust_returns_repaired).

with

source as (
    select * from {{ source('nhs_eric', 'nhs_eric_trusts_2016_17') }}
),

final as (
    select
        'nhs_eric_trusts_2016_17' as source_id,
        '2016/17' as period,
        make_date(2016, 4, 1) as period_start,
        trust_code,
        trust_name,
        commissioning_region,
        organisation_type,
        general_acute_sites as general_acute_sites_published,
        has_sdmp as sdmp_answer_published,
        carbon_reduction_target as carbon_reduction_target_published,
        {{ to_number('estates_property_maintenance_gbp') }} as estates_property_maintenance_gbp,
        {{ value_status('estates_property_maintenance_gbp', source_id) }}
            as estates_property_maintenance_gbp_status,
        {{ to_number('grounds_gardens_maintenance_gbp') }} as grounds_gardens_maintenance_gbp,
        {{ value_status('grounds_gardens_maintenance_gbp', source_id) }}
            as grounds_gardens_maintenance_gbp_status,
        {{ to_number('ebme_maintenance_gbp') }} as ebme_maintenance_gbp,
        {{ value_status('ebme_maintenance_gbp', source_id) }} as ebme_maintenance_gbp_status,
        {{ to_number('other_hard_fm_costs_gbp') }} as other_hard_fm_costs_gbp,
        {{ value_status('other_hard_fm_costs_gbp', source_id) }} as other_hard_fm_costs_gbp_status,
        {{ to_number('other_soft_fm_costs_gbp') }} as other_soft_fm_costs_gbp,
        {{ value_status('other_soft_fm_costs_gbp', source_id) }} as other_soft_fm_costs_gbp_status,
        {{ to_number('cleaning_service_cost_gbp') }} as cleaning_service_cost_gbp,
        {{ value_status('cleaning_service_cost_gbp', source_id) }} as cleaning_service_cost_gbp_status,
        {{ to_number('inpatient_food_service_cost_gbp') }} as inpatient_food_service_cost_gbp,
        {{ value_status('inpatient_food_service_cost_gbp', source_id) }}
            as inpatient_food_service_cost_gbp_status,
        {{ to_number('laundry_linen_service_cost_gbp') }} as laundry_linen_service_cost_gbp,
        {{ value_status('laundry_linen_service_cost_gbp', source_id) }}
            as laundry_linen_service_cost_gbp_status,
        {{ to_number('portering_service_cost_gbp') }} as portering_service_cost_gbp,
        {{ value_status('portering_service_cost_gbp', source_id) }} as portering_service_cost_gbp_status,
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
        {{ to_number('electricity_green_tariff_kwh') }} as electricity_green_tariff_kwh,
        {{ value_status('electricity_green_tariff_kwh', source_id) }} as electricity_green_tariff_kwh_status,
        {{ to_number('electricity_third_party_renewable_kwh') }} as electricity_third_party_renewable_kwh,
        {{ value_status('electricity_third_party_renewable_kwh', source_id) }}
            as electricity_third_party_renewable_kwh_status,
        {{ to_number('non_fossil_renewable_kwh') }} as non_fossil_renewable_kwh,
        {{ value_status('non_fossil_renewable_kwh', source_id) }} as non_fossil_renewable_kwh_status,
        {{ to_number('water_volume_m3') }} as water_volume_m3,
        {{ value_status('water_volume_m3', source_id) }} as water_volume_m3_status,
        {{ to_number('parking_spaces') }} as parking_spaces,
        {{ value_status('parking_spaces', source_id) }} as parking_spaces_status
    from source
)

select * from final

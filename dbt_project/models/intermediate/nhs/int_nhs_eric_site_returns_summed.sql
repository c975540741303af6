{#- the site figures summed to trusts; each sum is NULL when no site of the trust has the figure -#}
{% set summed_columns = [
    'gross_internal_floor_area_m2',
    'backlog_high_risk_gbp', 'backlog_significant_risk_gbp', 'backlog_moderate_risk_gbp', 'backlog_low_risk_gbp',
    'electricity_cost_gbp', 'electricity_kwh', 'gas_cost_gbp', 'gas_kwh', 'oil_cost_gbp', 'oil_kwh',
    'coal_cost_gbp', 'coal_kwh', 'electricity_green_tariff_cost_gbp', 'electricity_green_tariff_kwh',
    'electricity_third_party_renewable_cost_gbp', 'electricity_third_party_renewable_kwh',
    'non_fossil_renewable_cost_gbp', 'non_fossil_renewable_kwh', 'other_energy_cost_gbp', 'steam_kwh',
    'hot_water_kwh', 'energy_pfi_contractor_cost_gbp', 'energy_pfi_management_cost_gbp',
    'water_sewerage_cost_gbp', 'water_volume_m3', 'waste_tonnes',
    'parking_spaces', 'disabled_parking_spaces'
] %}
-- ERIC 2019/20 site returns summed to one row per trust. Every site row counts, "Other Reportable Site"
-- rows included (they hold the trust's minor sites, so leaving them out would understate the trust);
-- they are not counted as sites. A site whose figure is Not Applicable or blank adds nothing and is
-- counted in <figure>_sites_missing, so a trust total is never a silent sum over part of its estate.

with

sites as (
    select * from {{ ref('stg_nhs_eric__site_returns_2019_20') }}
),

with_waste as (
    select
        *,
        -- all eleven waste streams; NULL only when the site reports none of them
        case
            when
                coalesce(
                    clinical_waste_incineration_tonnes, clinical_waste_alternative_treatment_tonnes,
                    offensive_waste_tonnes, clinical_waste_processed_on_site_tonnes,
                    domestic_waste_landfill_tonnes,
                    domestic_waste_recycling_tonnes,
                    domestic_waste_food_tonnes,
                    domestic_waste_textiles_tonnes, domestic_waste_incineration_tonnes,
                    domestic_waste_processed_on_site_tonnes, confidential_waste_tonnes
                ) is not null
                then
                    coalesce(clinical_waste_incineration_tonnes, 0)
                    + coalesce(clinical_waste_alternative_treatment_tonnes, 0)
                    + coalesce(offensive_waste_tonnes, 0)
                    + coalesce(clinical_waste_processed_on_site_tonnes, 0)
                    + coalesce(domestic_waste_landfill_tonnes, 0)
                    + coalesce(domestic_waste_recycling_tonnes, 0)
                    + coalesce(domestic_waste_food_tonnes, 0)
                    + coalesce(domestic_waste_textiles_tonnes, 0)
                    + coalesce(domestic_waste_incineration_tonnes, 0)
                    + coalesce(domestic_waste_processed_on_site_tonnes, 0)
                    + coalesce(confidential_waste_tonnes, 0)
        end as waste_tonnes
    from sites
),

final as (
    select
        any_value(source_id) as source_id,
        any_value(period) as period,
        any_value(period_start) as period_start,
        trust_code,
        any_value(trust_name) as trust_name,
        any_value(trust_type) as trust_type,
        any_value(commissioning_region) as commissioning_region,
        count(*) as site_rows,
        count(*) filter (where not is_other_reportable_sites_aggregate) as sites,
        count(*) filter (where site_type like '1.%') as general_acute_sites,
        count(*) filter (where site_type like '2.%') as specialist_acute_sites,
        count(*) filter (where site_type like '3.%') as mixed_service_sites,
        count(*) filter (where site_type like '4.%') as mental_health_sites,
        count(*) filter (where site_type like '5.%') as learning_disability_sites,
        count(*) filter (where site_type like '6.%') as mental_health_learning_disability_sites,
        count(*) filter (where site_type like '7.%') as community_hospital_sites,
        count(*) filter (where site_type like '8.%') as other_inpatient_sites,
        count(*) filter (where site_type = 'Ambulance services') as ambulance_sites,
        count(*) filter (where is_other_reportable_sites_aggregate) as other_reportable_site_rows,
    {%- for column in summed_columns %}
        sum({{ column }}) as {{ column }},
        count(*) - count({{ column }}) as {{ column }}_sites_missing{{ ',' if not loop.last }}
    {%- endfor %}
    from with_waste
    group by trust_code
)

select * from final

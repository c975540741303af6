-- ERIC trust returns of every year in one layout: one row per year and trust, with the figures the ICB
-- indicators use. Some rows of the source copies are shifted one field to the right from Commissioning
-- Region on, because a comma in the trust name was taken for a separator ("BARKING, HAVERING AND ...").
-- Such a row is recognised by its Organisation Type field holding a commissioning region and the next
-- field holding an organisation type; it is re-aligned (name re-joined, region, type and SDMP answer taken
-- one field along) and says so in row_layout. The shift ends inside a block that is unreadable in every row
-- and is not used; the figures used here come after it and are not shifted. A row that fits neither layout
-- is kept with row_layout 'unrepairable' and no figures, so it shows as not covered, never silently dropped.

with

returns_2015_16 as (
    select * from {{ ref('stg_nhs_eric__trust_returns_2015_16') }}
),

returns_2016_17 as (
    select * from {{ ref('stg_nhs_eric__trust_returns_2016_17') }}
),

-- union all by name: the two years' figures are built from different lines (see the indicator registry)
returns_unioned as (
    select
        source_id,
        period,
        period_start,
        trust_code,
        trust_name,
        commissioning_region,
        organisation_type,
        general_acute_sites_published,
        sdmp_answer_published,
        carbon_reduction_target_published,
        gross_internal_floor_area_m2,
        backlog_high_risk_gbp + backlog_significant_risk_gbp
        + backlog_moderate_risk_gbp + backlog_low_risk_gbp as backlog_maintenance_cost_gbp,
        hard_fm_costs_gbp + soft_fm_costs_gbp as estates_facilities_running_cost_gbp,
        energy_cost_gbp,
        electricity_kwh + gas_kwh + oil_kwh + coal_kwh + steam_kwh + hot_water_kwh
        + electricity_renewable_kwh + non_fossil_renewable_kwh as energy_consumed_kwh,
        contracted_out_services_gbp
    from returns_2015_16
    union all by name
    select
        source_id,
        period,
        period_start,
        trust_code,
        trust_name,
        commissioning_region,
        organisation_type,
        general_acute_sites_published,
        sdmp_answer_published,
        carbon_reduction_target_published,
        gross_internal_floor_area_m2,
        backlog_high_risk_gbp + backlog_significant_risk_gbp
        + backlog_moderate_risk_gbp + backlog_low_risk_gbp as backlog_maintenance_cost_gbp,
        estates_property_maintenance_gbp + grounds_gardens_maintenance_gbp + ebme_maintenance_gbp
        + other_hard_fm_costs_gbp + other_soft_fm_costs_gbp + cleaning_service_cost_gbp
        + inpatient_food_service_cost_gbp + laundry_linen_service_cost_gbp + portering_service_cost_gbp
            as estates_facilities_running_cost_gbp,
        energy_cost_gbp,
        electricity_kwh + gas_kwh + oil_kwh + coal_kwh + steam_kwh + hot_water_kwh
        + electricity_green_tariff_kwh + electricity_third_party_renewable_kwh + non_fossil_renewable_kwh
            as energy_consumed_kwh,
        -- not collected in 2016/17
        cast(null as double) as contracted_out_services_gbp
    from returns_2016_17
),

layouts as (
    select
        *,
        case
            when
                commissioning_region in {{ eric_commissioning_regions() }}
                and organisation_type in {{ eric_organisation_types() }}
                then 'as_published'
            when
                organisation_type in {{ eric_commissioning_regions() }}
                and general_acute_sites_published in {{ eric_organisation_types() }}
                then 'shifted_one_field_repaired'
            else 'unrepairable'
        end as row_layout
    from returns_unioned
),

final as (
    select
        source_id,
        period,
        period_start,
        trust_code,
        case row_layout
            when 'shifted_one_field_repaired' then trust_name || ', ' || commissioning_region
            else trust_name
        end as trust_name,
        case row_layout
            when 'as_published' then commissioning_region
            when 'shifted_one_field_repaired' then organisation_type
        end as commissioning_region,
        case row_layout
            when 'as_published' then organisation_type
            when 'shifted_one_field_repaired' then general_acute_sites_published
        end as organisation_type,
        row_layout,
        case
            when row_layout = 'as_published' then sdmp_answer_published
            when row_layout = 'shifted_one_field_repaired' then carbon_reduction_target_published
        end = 'Yes' as has_sdmp,
        case when row_layout != 'unrepairable' then gross_internal_floor_area_m2 end
            as gross_internal_floor_area_m2,
        case when row_layout != 'unrepairable' then backlog_maintenance_cost_gbp end
            as backlog_maintenance_cost_gbp,
        case when row_layout != 'unrepairable' then estates_facilities_running_cost_gbp end
            as estates_facilities_running_cost_gbp,
        case when row_layout != 'unrepairable' then energy_cost_gbp end as energy_cost_gbp,
        case when row_layout != 'unrepairable' then energy_consumed_kwh end as energy_consumed_kwh,
        case when row_layout != 'unrepairable' then contracted_out_services_gbp end
            as contracted_out_services_gbp
    from layouts
)

select * from final

with

memberships as (
    select * from {{ ref('int_lsoa21_icb_memberships_unioned') }}
),

populations as (
    select * from {{ ref('int_lsoa21_populations_joined') }}
),

regions as (
    select * from {{ ref('int_icb_nhs_regions_assigned') }}
),

ods_codes as (
    select * from {{ ref('int_icb_ods_codes_listed') }}
),

icb_areas as (
    select
        memberships.icb_code,
        memberships.icb_vintage,
        any_value(memberships.icb_name) as icb_name,
        count(*) as lsoa21_count,
        sum(populations.usual_residents_2021) as usual_residents_2021
    from memberships
    inner join populations on memberships.lsoa21_code = populations.lsoa21_code
    group by all
),

final as (
    select
        icb_areas.icb_code,
        icb_areas.icb_name,
        icb_areas.icb_vintage,
        ods_codes.icb_ods_code,
        regions.nhs_region_code,
        regions.nhs_region_name,
        cast(icb_areas.lsoa21_count as integer) as lsoa21_count,
        cast(icb_areas.usual_residents_2021 as bigint) as usual_residents_2021
    from icb_areas
    left join ods_codes
        on icb_areas.icb_code = ods_codes.icb_code
        and icb_areas.icb_vintage = ods_codes.icb_vintage
    left join regions
        on icb_areas.icb_code = regions.icb_code
        and icb_areas.icb_vintage = regions.icb_vintage
)

select * from final

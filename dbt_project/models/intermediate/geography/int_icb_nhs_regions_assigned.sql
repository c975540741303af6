-- NHS England region of each ICB and vintage. Fingertips lists the regions' ICB22 children; later ICBs take
-- the region holding most of their LSOA21s (mergers have stayed within regions so far).

with

hierarchy as (
    select * from {{ ref('stg_ohid__nhs_area_hierarchies') }}
),

icb_memberships as (
    select * from {{ ref('int_lsoa21_icb_memberships_unioned') }}
),

region_children as (
    select
        area_code as nhs_region_code,
        regexp_replace(area_name, '\s*NHS Region$', '') as nhs_region_name,
        unnest(child_area_codes) as icb22_code
    from hierarchy
    where area_type = 'NHS Regions'
),

lsoa21_regions as (
    select
        icb_memberships.lsoa21_code,
        region_children.nhs_region_code,
        region_children.nhs_region_name
    from icb_memberships
    inner join region_children on icb_memberships.icb_code = region_children.icb22_code
    where icb_memberships.icb_vintage = 'ICB22'
),

votes as (
    select
        icb_memberships.icb_code,
        icb_memberships.icb_vintage,
        lsoa21_regions.nhs_region_code,
        lsoa21_regions.nhs_region_name,
        count(*) as lsoa21_count
    from icb_memberships
    inner join lsoa21_regions on icb_memberships.lsoa21_code = lsoa21_regions.lsoa21_code
    group by all
),

final as (
    select
        icb_code,
        icb_vintage,
        nhs_region_code,
        nhs_region_name
    from votes
    qualify row_number() over (
        partition by icb_code, icb_vintage
        order by lsoa21_count desc, nhs_region_code asc
    ) = 1
)

select * from final

-- Every boundary a map of one ICB vintage draws: its ICBs, the NHS regions and the English districts, each
-- tagged with the NHS region (code as in the icbs mart) it lies in. Coordinates are rounded once per feature,
-- then rows are repeated per ICB vintage so a pack reads only its own vintage's rows.
-- ICB22 has no boundary file: each July 2022 ICB is drawn with the April 2023 ICB sharing most of its LSOA21s
-- (the two differ only at the Surrey Heartlands/Sussex border, where the codes also changed).

with

icb23_boundaries as (
    select * from {{ ref('stg_ons_geography__icb23_boundaries') }}
),

icb26_boundaries as (
    select * from {{ ref('stg_ons_geography__icb26_boundaries') }}
),

nhser24_boundaries as (
    select * from {{ ref('stg_ons_geography__nhser24_boundaries') }}
),

lad24_boundaries as (
    select * from {{ ref('stg_ons_geography__lad24_boundaries') }}
),

memberships as (
    select * from {{ ref('int_lsoa21_icb_memberships_unioned') }}
),

icb_regions as (
    select * from {{ ref('int_icb_nhs_regions_assigned') }}
),

lad_lookup as (
    select * from {{ ref('stg_ons_geography__lsoa21_lad24_lookups') }}
),

icb23_rounded as (
    select
        icb23_code,
        icb23_name,
        {{ round_geojson_coordinates('geometry_geojson') }} as geometry_geojson
    from icb23_boundaries
),

icb26_rounded as (
    select
        icb26_code,
        icb26_name,
        {{ round_geojson_coordinates('geometry_geojson') }} as geometry_geojson
    from icb26_boundaries
),

nhser24_rounded as (
    select
        nhser24_code,
        nhser24_name,
        {{ round_geojson_coordinates('geometry_geojson') }} as geometry_geojson
    from nhser24_boundaries
),

english_lad24_rounded as (
    select
        lad24_code,
        lad24_name,
        {{ round_geojson_coordinates('geometry_geojson') }} as geometry_geojson
    from lad24_boundaries
    where regexp_matches(lad24_code, '^E0[6-9]')
),

icbs_listed as (
    select
        icb_code,
        icb_vintage,
        any_value(icb_name) as icb_name
    from memberships
    group by all
),

icb22_to_icb23 as (
    select
        icb22.icb_code as icb22_code,
        icb24.icb_code as icb23_code,
        count(*) as shared_lsoa21s
    from memberships as icb22
    inner join memberships as icb24
        on icb22.lsoa21_code = icb24.lsoa21_code
        and icb24.icb_vintage = 'ICB24'
    where icb22.icb_vintage = 'ICB22'
    group by icb22.icb_code, icb24.icb_code
    qualify row_number() over (partition by icb22.icb_code order by count(*) desc, icb24.icb_code asc) = 1
),

icb_rows as (
    select
        icbs_listed.icb_vintage,
        'icb' as area_type,
        icbs_listed.icb_code as area_code,
        icbs_listed.icb_name as area_name,
        case icbs_listed.icb_vintage when 'ICB26' then 'ICB26' else 'ICB23' end as boundary_vintage,
        icb_regions.nhs_region_code,
        coalesce(icb23_rounded.geometry_geojson, icb26_rounded.geometry_geojson) as geometry_geojson
    from icbs_listed
    left join icb_regions
        on icbs_listed.icb_code = icb_regions.icb_code
        and icbs_listed.icb_vintage = icb_regions.icb_vintage
    left join icb22_to_icb23
        on icbs_listed.icb_code = icb22_to_icb23.icb22_code
        and icbs_listed.icb_vintage = 'ICB22'
    left join icb23_rounded
        on icbs_listed.icb_vintage in ('ICB22', 'ICB24')
        and icb23_rounded.icb23_code = case icbs_listed.icb_vintage
            when 'ICB22' then icb22_to_icb23.icb23_code
            else icbs_listed.icb_code
        end
    left join icb26_rounded
        on icbs_listed.icb_vintage = 'ICB26'
        and icbs_listed.icb_code = icb26_rounded.icb26_code
),

vintages as (
    select distinct icb_vintage from icbs_listed
),

-- The boundary file re-coded two regions in 2024 (East of England, North West), so regions match on name.
region_codes as (
    select distinct
        nhs_region_code,
        nhs_region_name
    from icb_regions
),

region_rows as (
    select
        vintages.icb_vintage,
        'nhs_region' as area_type,
        nhser24_rounded.nhser24_code as area_code,
        nhser24_rounded.nhser24_name as area_name,
        'NHSER24' as boundary_vintage,
        region_codes.nhs_region_code,
        nhser24_rounded.geometry_geojson
    from nhser24_rounded
    cross join vintages
    left join region_codes on lower(nhser24_rounded.nhser24_name) = lower(region_codes.nhs_region_name)
),

lad_region_votes as (
    select
        memberships.icb_vintage,
        lad_lookup.lad24_code,
        icb_regions.nhs_region_code,
        count(*) as lsoa21_count
    from lad_lookup
    inner join memberships on lad_lookup.lsoa21_code = memberships.lsoa21_code
    inner join icb_regions
        on memberships.icb_code = icb_regions.icb_code
        and memberships.icb_vintage = icb_regions.icb_vintage
    group by memberships.icb_vintage, lad_lookup.lad24_code, icb_regions.nhs_region_code
    qualify row_number() over (
        partition by memberships.icb_vintage, lad_lookup.lad24_code
        order by count(*) desc, icb_regions.nhs_region_code asc
    ) = 1
),

lad_rows as (
    select
        vintages.icb_vintage,
        'lad' as area_type,
        english_lad24_rounded.lad24_code as area_code,
        english_lad24_rounded.lad24_name as area_name,
        'LAD24' as boundary_vintage,
        lad_region_votes.nhs_region_code,
        english_lad24_rounded.geometry_geojson
    from english_lad24_rounded
    cross join vintages
    left join lad_region_votes
        on english_lad24_rounded.lad24_code = lad_region_votes.lad24_code
        and vintages.icb_vintage = lad_region_votes.icb_vintage
),

final as (
    select * from icb_rows
    union all
    select * from region_rows
    union all
    select * from lad_rows
)

select * from final

-- Every boundary a map of one ICB vintage draws: its ICBs, the NHS regions and the English districts, each
-- tagged with the NHS region (code as in the icbs mart) it lies in. Coordinates are rounded once per feature,
-- then rows are repeated per ICB vintage so a pack reads only its own vintage's rows.
-- Where each ICB vintage's boundaries come from is declared in the registry of areas (areas.yaml,
-- `boundaries`): a registered boundary file, or, for a vintage the publisher drew none for (ICB22), the
-- boundaries of another vintage, each ICB drawn as the one sharing most of its LSOA21s (ICB22 and ICB24
-- differ only at the Surrey Heartlands/Sussex border, where the codes also changed).
{{ config(meta={'area_registry_sources': ['boundaries']}) }}

with

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

-- each vintage's own boundary file, rounded once
icb_boundary_files as (
    {{ icb_boundary_files() }}
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

-- which vintage's boundary draws each ICB: its own, or the one of the vintage it is drawn with that shares
-- most of its LSOA21s
vintages_with_files as (
    select distinct icb_vintage from icb_boundary_files
),

icb_boundary_codes as (
    select
        icbs_listed.icb_vintage,
        icbs_listed.icb_code,
        icbs_listed.icb_vintage as boundary_icb_vintage,
        icbs_listed.icb_code as boundary_code
    from icbs_listed
    inner join vintages_with_files on icbs_listed.icb_vintage = vintages_with_files.icb_vintage
    union all
    {{ icb_boundaries_drawn_with('memberships') }}
),

icb_rows as (
    select
        icbs_listed.icb_vintage,
        'icb' as area_type,
        icbs_listed.icb_code as area_code,
        icbs_listed.icb_name as area_name,
        icb_boundary_files.boundary_vintage,
        icb_regions.nhs_region_code,
        icb_boundary_files.geometry_geojson
    from icbs_listed
    left join icb_regions
        on
        icbs_listed.icb_code = icb_regions.icb_code
        and icbs_listed.icb_vintage = icb_regions.icb_vintage
    left join icb_boundary_codes
        on
        icbs_listed.icb_code = icb_boundary_codes.icb_code
        and icbs_listed.icb_vintage = icb_boundary_codes.icb_vintage
    left join icb_boundary_files
        on
        icb_boundary_codes.boundary_icb_vintage = icb_boundary_files.icb_vintage
        and icb_boundary_codes.boundary_code = icb_boundary_files.boundary_code
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

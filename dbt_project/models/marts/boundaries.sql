-- Map boundaries for the packs: per ICB vintage, its ICBs, the NHS regions and English districts (districts
-- shaded by the share of residents in the most deprived IMD 2025 decile); and once for every vintage, the
-- English MSOAs (neighbourhoods, icb_vintage NULL: the areas table gives each MSOA's ICB in each vintage, and
-- repeating 6,856 geometries per vintage would triple their bytes). For drawing only: no figure uses it.

with

areas as (
    select * from {{ ref('int_area_boundaries_unioned') }}
),

msoa21_boundaries as (
    select * from {{ ref('int_msoa21_boundaries_rounded') }}
),

lad_deprivation as (
    select * from {{ ref('int_lad24_deprivation_shares_aggregated') }}
),

per_vintage as (
    select
        areas.icb_vintage,
        areas.area_type,
        areas.area_code,
        areas.area_name,
        areas.boundary_vintage,
        areas.nhs_region_code,
        case
            when areas.area_type = 'lad' then lad_deprivation.most_deprived_decile_share
        end as most_deprived_decile_share,
        areas.geometry_geojson
    from areas
    left join lad_deprivation
        on areas.area_code = lad_deprivation.lad24_code
        and areas.area_type = 'lad'
),

neighbourhoods as (
    select
        cast(null as varchar) as icb_vintage,
        'msoa' as area_type,
        msoa21_code as area_code,
        msoa21_name as area_name,
        'MSOA21' as boundary_vintage,
        cast(null as varchar) as nhs_region_code,
        cast(null as double) as most_deprived_decile_share,
        geometry_geojson
    from msoa21_boundaries
),

final as (
    select * from per_vintage
    union all
    select * from neighbourhoods
)

select * from final

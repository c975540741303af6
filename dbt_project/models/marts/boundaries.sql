-- Map boundaries for the packs, per ICB vintage: ICBs, NHS regions and English districts (districts shaded by
-- the share of residents in the most deprived IMD 2025 decile). For drawing only: no figure uses geometry.

with

areas as (
    select * from {{ ref('int_area_boundaries_unioned') }}
),

lad_deprivation as (
    select * from {{ ref('int_lad24_deprivation_shares_aggregated') }}
),

final as (
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
)

select * from final

-- The English MSOAs (neighbourhoods) a pack's map shades, coordinates rounded once (4 places, about 10 m:
-- under a pixel on any ICB's map). One row per MSOA, not per ICB vintage: an MSOA's boundary does not depend
-- on the ICB vintage, and the areas table says which ICB(s) each MSOA lies in for every vintage.

with

msoa21_boundaries as (
    select * from {{ ref('stg_ons_geography__msoa21_boundaries') }}
),

english_rounded as (
    select
        msoa21_code,
        msoa21_name,
        {{ round_geojson_coordinates('geometry_geojson') }} as geometry_geojson
    from msoa21_boundaries
    where msoa21_code like 'E02%'
)

select * from english_rounded

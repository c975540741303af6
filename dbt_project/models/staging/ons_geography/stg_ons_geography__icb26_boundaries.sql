with

source as (
    select * from {{ source('ons_geography', 'ons_icb26_boundaries') }}
),

renamed as (
    select
        icb26_code,
        icb26_name,
        geometry as geometry_geojson
    from source
)

select * from renamed

with

source as (
    select * from {{ source('ons_geography', 'ons_lad24_boundaries') }}
),

renamed as (
    select
        lad24_code,
        lad24_name,
        geometry as geometry_geojson
    from source
)

select * from renamed

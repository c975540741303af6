with

source as (
    select * from {{ source('ons_geography', 'ons_nhser24_boundaries') }}
),

renamed as (
    select
        nhser24_code,
        nhser24_name,
        geometry as geometry_geojson
    from source
)

select * from renamed

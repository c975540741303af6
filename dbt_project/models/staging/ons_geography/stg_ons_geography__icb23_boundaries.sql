with

source as (
    select * from {{ source('ons_geography', 'ons_icb23_boundaries') }}
),

renamed as (
    select
        icb23_code,
        icb23_name,
        geometry as geometry_geojson
    from source
)

select * from renamed

with

source as (
    select * from {{ source('ons_geography', 'ons_msoa21_boundaries') }}
),

renamed as (
    select
        msoa21_code,
        msoa21_name,
        geometry as geometry_geojson
    from source
)

select * from renamed

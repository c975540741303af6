with

source as (
    select * from {{ source('ons_geography', 'ons_lsoa21_lad24_lookup') }}
),

renamed as (
    select
        lsoa21_code,
        lad24_code,
        lad24_name
    from source
)

select * from renamed

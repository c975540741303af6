with

source as (
    select * from {{ source('ons_geography', 'ons_lsoa11_icb22_lookup') }}
),

renamed as (
    select
        lsoa11_code,
        lsoa11_name,
        sicbl22_code,
        icb22_code,
        icb22_name,
        icb22_ods_code,
        lad22_code,
        lad22_name
    from source
)

select * from renamed

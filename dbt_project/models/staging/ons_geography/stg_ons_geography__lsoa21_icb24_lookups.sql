with

source as (
    select * from {{ source('ons_geography', 'ons_lsoa21_icb24_lookup') }}
),

renamed as (
    select
        lsoa21_code,
        lsoa21_name,
        sicbl24_code,
        icb24_code,
        icb24_name,
        icb24_ods_code
    from source
)

select * from renamed

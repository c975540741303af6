with

source as (
    select * from {{ source('ons_geography', 'ons_lsoa11_lsoa21_lookup') }}
),

renamed as (
    select
        lsoa11_code,
        lsoa21_code,
        upper(change_code) as change_code,
        lad22_code,
        lad22_name
    from source
)

select * from renamed

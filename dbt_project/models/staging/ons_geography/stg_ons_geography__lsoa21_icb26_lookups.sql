with

source as (
    select * from {{ source('ons_geography', 'derived_lsoa21_icb26_lookup') }}
),

renamed as (
    select
        lsoa21_code,
        icb26_code,
        icb26_name,
        icb24_code,
        assignment_method
    from source
)

select * from renamed

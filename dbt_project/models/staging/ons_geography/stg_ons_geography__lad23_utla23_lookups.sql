with

source as (
    select * from {{ source('ons_geography', 'ons_lad23_utla23_lookup') }}
),

renamed as (
    select
        lad23_code,
        lad23_name,
        utla23_code,
        utla23_name
    from source
)

select * from renamed

with

source as (
    select * from {{ source('ons_geography', 'ons_lad24_rural_urban_classification_2021') }}
),

renamed as (
    select
        lad24_code,
        ruc21_code,
        ruc21_name,
        urban_rural
    from source
)

select * from renamed

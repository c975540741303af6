with

source as (
    select * from {{ source('custom_areas', 'custom_areas') }}
),

renamed as (
    select
        lsoa21_code,
        area_code,
        area_name,
        area_set as area_type,
        -- registry vintages are upper-case letters and digits only, so this can never take one's id
        'CUSTOM_' || upper(area_set) as area_vintage,
        'custom_lsoa21_list' as membership_basis
    from source
)

select * from renamed

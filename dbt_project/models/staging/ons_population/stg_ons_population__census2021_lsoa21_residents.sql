with

source as (
    select * from {{ source('ons_population', 'ons_census2021_disability_lsoa21') }}
),

renamed as (
    select
        lsoa21_code,
        cast(usual_residents as integer) as usual_residents,
        cast(disabled as integer) as disabled
    from source
)

select * from renamed

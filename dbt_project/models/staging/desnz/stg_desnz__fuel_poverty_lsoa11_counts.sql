with

source as (
    select * from {{ source('desnz', 'desnz_fuel_poverty_lsoa11_2020') }}
),

renamed as (
    select
        lsoa11_code,
        '2020' as period,
        cast(households as integer) as households,
        cast(fuel_poor_households as integer) as fuel_poor_households
    from source
)

select * from renamed

with

source as (
    select * from {{ source('ons_population', 'ons_sape2020_lsoa11') }}
),

renamed as (
    select
        lsoa11_code,
        cast(total_population as integer) as population_all_ages,
        -- denominators of the indicators weighted by an age group (children, working age, adults, ...)
        {{ sum_of_ages(0, 15) }} as population_aged_0_15,
        {{ sum_of_ages(5, 5) }} as population_aged_5,
        {{ sum_of_ages(10, 10) }} as population_aged_10,
        {{ sum_of_ages(15, 15) }} as population_aged_15,
        {{ sum_of_ages(16, 64) }} as population_aged_16_64,
        {{ sum_of_ages(16) }} as population_aged_16_plus,
        {{ sum_of_ages(18) }} as population_aged_18_plus,
        {{ sum_of_ages(19, 19) }} as population_aged_19,
        {{ sum_of_ages(19) }} as population_aged_19_plus,
        {{ sum_of_ages(65) }} as population_aged_65_plus
    from source
)

select * from renamed

with

source as (
    select * from {{ source('mhclg_iod', 'mhclg_imd2019_lsoa11_deciles') }}
),

renamed as (
    select
        lsoa11_code,
        cast(imd_rank as integer) as imd_rank,
        cast(imd_decile as integer) as imd_decile,
        cast(income_decile as integer) as income_decile,
        cast(employment_decile as integer) as employment_decile,
        cast(education_decile as integer) as education_decile,
        cast(health_decile as integer) as health_decile,
        cast(crime_decile as integer) as crime_decile,
        cast(housing_and_services_decile as integer) as housing_and_services_decile,
        cast(living_environment_decile as integer) as living_environment_decile
    from source
)

select * from renamed

with

source as (
    select * from {{ source('ons_population', 'ons_census2021_age6_lsoa21') }}
),

final as (
    select
        lsoa21_code,
        lsoa21_name,
        cast(aged_15_and_under as integer) as aged_15_and_under,
        cast(aged_16_to_24 as integer) as aged_16_to_24,
        cast(aged_25_to_34 as integer) as aged_25_to_34,
        cast(aged_35_to_49 as integer) as aged_35_to_49,
        cast(aged_50_to_64 as integer) as aged_50_to_64,
        cast(aged_65_and_over as integer) as aged_65_and_over
    from source
)

select * from final

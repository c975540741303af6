-- Population bases per LSOA21: Census 2021 usual residents and households, and the mid-2020 estimates (all
-- ages and the age groups indicators are weighted by) moved from LSOA11 by the exact-fit shares.

with

residents as (
    select * from {{ ref('stg_ons_population__census2021_lsoa21_residents') }}
),

tenures as (
    select * from {{ ref('stg_ons_population__census2021_lsoa21_tenures') }}
),

sape2020 as (
    select * from {{ ref('stg_ons_population__sape2020_lsoa11_populations') }}
),

lsoa11_to_lsoa21 as (
    select * from {{ ref('int_lsoa11_lsoa21_weights_derived') }}
),

sape2020_on_lsoa21 as (
    select
        lsoa11_to_lsoa21.lsoa21_code,
        sum(sape2020.population_all_ages * lsoa11_to_lsoa21.lsoa11_share) as population_all_ages,
        sum(sape2020.population_aged_0_15 * lsoa11_to_lsoa21.lsoa11_share) as population_aged_0_15,
        sum(sape2020.population_aged_5 * lsoa11_to_lsoa21.lsoa11_share) as population_aged_5,
        sum(sape2020.population_aged_10 * lsoa11_to_lsoa21.lsoa11_share) as population_aged_10,
        sum(sape2020.population_aged_15 * lsoa11_to_lsoa21.lsoa11_share) as population_aged_15,
        sum(sape2020.population_aged_16_64 * lsoa11_to_lsoa21.lsoa11_share) as population_aged_16_64,
        sum(sape2020.population_aged_16_plus * lsoa11_to_lsoa21.lsoa11_share) as population_aged_16_plus,
        sum(sape2020.population_aged_18_plus * lsoa11_to_lsoa21.lsoa11_share) as population_aged_18_plus,
        sum(sape2020.population_aged_19 * lsoa11_to_lsoa21.lsoa11_share) as population_aged_19,
        sum(sape2020.population_aged_19_plus * lsoa11_to_lsoa21.lsoa11_share) as population_aged_19_plus,
        sum(sape2020.population_aged_65_plus * lsoa11_to_lsoa21.lsoa11_share) as population_aged_65_plus
    from lsoa11_to_lsoa21
    inner join sape2020 on lsoa11_to_lsoa21.lsoa11_code = sape2020.lsoa11_code
    group by lsoa11_to_lsoa21.lsoa21_code
),

final as (
    select
        residents.lsoa21_code,
        residents.usual_residents as usual_residents_2021,
        tenures.households as households_2021,
        sape2020_on_lsoa21.population_all_ages as population_2020,
        sape2020_on_lsoa21.population_aged_0_15 as population_aged_0_15_2020,
        sape2020_on_lsoa21.population_aged_5 as population_aged_5_2020,
        sape2020_on_lsoa21.population_aged_10 as population_aged_10_2020,
        sape2020_on_lsoa21.population_aged_15 as population_aged_15_2020,
        sape2020_on_lsoa21.population_aged_16_64 as population_aged_16_64_2020,
        sape2020_on_lsoa21.population_aged_16_plus as population_aged_16_plus_2020,
        sape2020_on_lsoa21.population_aged_18_plus as population_aged_18_plus_2020,
        sape2020_on_lsoa21.population_aged_19 as population_aged_19_2020,
        sape2020_on_lsoa21.population_aged_19_plus as population_aged_19_plus_2020,
        sape2020_on_lsoa21.population_aged_65_plus as population_aged_65_plus_2020
    from residents
    left join tenures on residents.lsoa21_code = tenures.lsoa21_code
    left join sape2020_on_lsoa21 on residents.lsoa21_code = sape2020_on_lsoa21.lsoa21_code
    where residents.lsoa21_code like 'E01%'
)

select * from final

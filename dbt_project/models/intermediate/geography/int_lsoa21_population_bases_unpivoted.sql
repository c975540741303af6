-- The population bases of each LSOA21 in long form (one row per basis), so that an indicator can name the
-- population its rate is "per" in the registry (weight_basis) and be weighted by exactly that.

with

populations as (
    select * from {{ ref('int_lsoa21_populations_joined') }}
),

final as (
    unpivot populations
    on
    usual_residents_2021,
    households_2021,
    population_2020,
    population_aged_0_15_2020,
    population_aged_5_2020,
    population_aged_10_2020,
    population_aged_15_2020,
    population_aged_16_64_2020,
    population_aged_16_plus_2020,
    population_aged_18_plus_2020,
    population_aged_19_2020,
    population_aged_19_plus_2020,
    population_aged_65_plus_2020
    into name population_basis value population
)

select * from final

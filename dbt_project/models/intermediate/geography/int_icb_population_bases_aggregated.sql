-- Each ICB's population on every basis (residents, households, age groups), per vintage: the denominators
-- against which the coverage of a local-authority figure is measured.

with

icb_memberships as (
    select * from {{ ref('int_lsoa21_icb_memberships_unioned') }}
),

population_bases as (
    select * from {{ ref('int_lsoa21_population_bases_unpivoted') }}
),

final as (
    select
        icb_memberships.icb_code,
        icb_memberships.icb_vintage,
        population_bases.population_basis,
        sum(population_bases.population) as population
    from icb_memberships
    inner join population_bases on icb_memberships.lsoa21_code = population_bases.lsoa21_code
    group by icb_memberships.icb_code, icb_memberships.icb_vintage, population_bases.population_basis
)

select * from final

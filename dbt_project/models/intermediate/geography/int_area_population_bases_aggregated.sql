-- Each area's population on every basis (residents, households, age groups), for every area of the registry
-- of areas: the denominators against which the coverage of a local-authority figure is measured.

with

memberships as (
    select * from {{ ref('int_lsoa21_area_memberships_unioned') }}
),

population_bases as (
    select * from {{ ref('int_lsoa21_population_bases_unpivoted') }}
),

final as (
    select
        memberships.area_type,
        memberships.area_vintage,
        memberships.area_code,
        population_bases.population_basis,
        sum(population_bases.population) as population
    from memberships
    inner join population_bases on memberships.lsoa21_code = population_bases.lsoa21_code
    group by
        memberships.area_type,
        memberships.area_vintage,
        memberships.area_code,
        population_bases.population_basis
)

select * from final

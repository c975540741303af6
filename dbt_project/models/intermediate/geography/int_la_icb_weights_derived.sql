-- Apportionment weights from local authorities to ICBs, per ICB vintage and population basis, from LSOA21
-- populations. Split LAs are found from the data (an LA whose LSOAs fall in more than one ICB), never from a
-- hand-kept list.

with

la_memberships as (
    select * from {{ ref('int_la_lsoa21_memberships_unioned') }}
),

icb_memberships as (
    select * from {{ ref('int_lsoa21_icb_memberships_unioned') }}
),

population_bases as (
    select * from {{ ref('int_lsoa21_population_bases_unpivoted') }}
),

la_in_icb as (
    select
        la_memberships.la_code,
        icb_memberships.icb_vintage,
        icb_memberships.icb_code,
        population_bases.population_basis,
        count(*) as lsoa21_count,
        sum(population_bases.population) as population
    from la_memberships
    inner join icb_memberships on la_memberships.lsoa21_code = icb_memberships.lsoa21_code
    inner join population_bases on la_memberships.lsoa21_code = population_bases.lsoa21_code
    group by
        la_memberships.la_code,
        icb_memberships.icb_vintage,
        icb_memberships.icb_code,
        population_bases.population_basis
),

final as (
    select
        la_code,
        icb_vintage,
        icb_code,
        population_basis,
        lsoa21_count,
        population,
        population / nullif(sum(population) over (partition by la_code, icb_vintage, population_basis), 0)
            as share_of_la_population,
        count(*) over (partition by la_code, icb_vintage, population_basis) > 1 as is_split_la
    from la_in_icb
)

select * from final

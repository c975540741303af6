-- Apportionment weights from local authorities to every area of a type that takes local-authority figures
-- apportioned (areas.yaml, la_figures: apportioned: ICBs, sub-ICB locations, NHS regions), per vintage and
-- population basis, from LSOA21 populations. Split LAs are found from the data (an LA whose LSOAs fall in
-- more than one area of a vintage), never from a hand-kept list.

{%- set apportioned_vintages = var('area_vintages')
    | selectattr('la_figures', 'equalto', 'apportioned')
    | map(attribute='area_vintage')
    | list %}

with

la_memberships as (
    select * from {{ ref('int_la_lsoa21_memberships_unioned') }}
),

area_memberships as (
    select * from {{ ref('int_lsoa21_area_memberships_unioned') }}
),

apportioned_memberships as (
    select * from area_memberships
    where
        area_vintage in (
            '{{ apportioned_vintages | join("', '") }}'
        )
),

population_bases as (
    select * from {{ ref('int_lsoa21_population_bases_unpivoted') }}
),

la_in_area as (
    select
        la_memberships.la_code,
        apportioned_memberships.area_type,
        apportioned_memberships.area_vintage,
        apportioned_memberships.area_code,
        population_bases.population_basis,
        count(*) as lsoa21_count,
        sum(population_bases.population) as population
    from la_memberships
    inner join apportioned_memberships on la_memberships.lsoa21_code = apportioned_memberships.lsoa21_code
    inner join population_bases on la_memberships.lsoa21_code = population_bases.lsoa21_code
    group by
        la_memberships.la_code,
        apportioned_memberships.area_type,
        apportioned_memberships.area_vintage,
        apportioned_memberships.area_code,
        population_bases.population_basis
),

final as (
    select
        la_code,
        area_type,
        area_vintage,
        area_code,
        population_basis,
        lsoa21_count,
        population,
        population / nullif(sum(population) over (partition by la_code, area_vintage, population_basis), 0)
            as share_of_la_population,
        count(*) over (partition by la_code, area_vintage, population_basis) > 1 as is_split_la
    from la_in_area
)

select * from final

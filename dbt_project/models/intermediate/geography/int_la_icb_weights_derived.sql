-- Apportionment weights from local authorities to ICBs, per ICB vintage, from LSOA21 populations. Split LAs
-- are found from the data (an LA whose LSOAs fall in more than one ICB), never from a hand-kept list.

with

la_memberships as (
    select * from {{ ref('int_la_lsoa21_memberships_unioned') }}
),

icb_memberships as (
    select * from {{ ref('int_lsoa21_icb_memberships_unioned') }}
),

populations as (
    select * from {{ ref('int_lsoa21_populations_joined') }}
),

la_in_icb as (
    select
        la_memberships.la_code,
        icb_memberships.icb_vintage,
        icb_memberships.icb_code,
        count(*) as lsoa21_count,
        sum(populations.usual_residents_2021) as usual_residents_2021,
        sum(populations.population_aged_16_64_2020) as population_aged_16_64_2020
    from la_memberships
    inner join icb_memberships on la_memberships.lsoa21_code = icb_memberships.lsoa21_code
    inner join populations on la_memberships.lsoa21_code = populations.lsoa21_code
    group by all
),

final as (
    select
        la_code,
        icb_vintage,
        icb_code,
        lsoa21_count,
        usual_residents_2021,
        population_aged_16_64_2020,
        usual_residents_2021 / sum(usual_residents_2021) over (partition by la_code, icb_vintage)
            as share_of_la_residents,
        count(*) over (partition by la_code, icb_vintage) > 1 as is_split_la
    from la_in_icb
)

select * from final

-- Every England LSOA21 in exactly one ICB per vintage. LSOA21s nest in ICBs from 2023; the July 2022 ICBs
-- were defined on LSOA11s, so ICB22 membership comes through the exact-fit lookup (it is unique in practice,
-- and the basis column says when a majority rule had to decide).

with

icb22_lookup as (
    select * from {{ ref('stg_ons_geography__lsoa11_icb22_lookups') }}
),

icb24_lookup as (
    select * from {{ ref('stg_ons_geography__lsoa21_icb24_lookups') }}
),

icb26_lookup as (
    select * from {{ ref('stg_ons_geography__lsoa21_icb26_lookups') }}
),

lsoa11_to_lsoa21 as (
    select * from {{ ref('int_lsoa11_lsoa21_weights_derived') }}
),

icb22_candidates as (
    select
        lsoa11_to_lsoa21.lsoa21_code,
        icb22_lookup.icb22_code,
        icb22_lookup.icb22_name,
        sum(lsoa11_to_lsoa21.lsoa11_share) as weight
    from lsoa11_to_lsoa21
    inner join icb22_lookup on lsoa11_to_lsoa21.lsoa11_code = icb22_lookup.lsoa11_code
    group by all
),

icb22_ranked as (
    select
        *,
        count(*) over (partition by lsoa21_code) as candidate_count,
        row_number() over (partition by lsoa21_code order by weight desc, icb22_code asc) as candidate_rank
    from icb22_candidates
),

icb22 as (
    select
        lsoa21_code,
        icb22_code as icb_code,
        icb22_name as icb_name,
        'ICB22' as icb_vintage,
        case when candidate_count = 1 then 'lsoa11_exact' else 'lsoa11_majority' end as membership_basis
    from icb22_ranked
    where candidate_rank = 1
),

icb24 as (
    select
        lsoa21_code,
        icb24_code as icb_code,
        icb24_name as icb_name,
        'ICB24' as icb_vintage,
        'lsoa21_lookup' as membership_basis
    from icb24_lookup
),

icb26 as (
    select
        lsoa21_code,
        icb26_code as icb_code,
        icb26_name as icb_name,
        'ICB26' as icb_vintage,
        'lsoa21_lookup_derived' as membership_basis
    from icb26_lookup
),

final as (
    select * from icb22
    union all
    select * from icb24
    union all
    select * from icb26
)

select * from final

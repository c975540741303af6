-- Where each acute trust's patients live, by ICB and vintage: one row per trust, vintage and ICB, with the
-- share of the trust's admissions (OHID catchments, 2020) from the ICB's residents. ICB22 shares are OHID's,
-- as aggregated to ICB22 (the vintage OHID's file is on). Every other vintage's shares (ICB24, ICB26 and any
-- later one in the registry of areas) are built from the trust -> LAD21 shares and the LA -> ICB
-- population weights (Census 2021 usual residents): a split LA's patients of a trust are assumed to live like
-- its residents, and the row says when a split LA was used. Admissions from outside England (or from an LA
-- code that does not resolve) fall in no ICB, so a trust's shares can sum to a little under 1.

with

icb22_shares as (
    select * from {{ ref('stg_ohid_catchments__trust_icb22_shares') }}
),

lad21_shares as (
    select * from {{ ref('stg_ohid_catchments__trust_lad21_shares') }}
),

la_icb_weights as (
    select * from {{ ref('int_la_icb_weights_derived') }}
),

icb22 as (
    select
        trust_code,
        'ICB22' as icb_vintage,
        icb22_code as icb_code,
        admissions_share,
        'ohid_icb22_catchment' as share_basis,
        false as uses_split_la
    from icb22_shares
),

later_vintages as (
    select
        lad21_shares.trust_code,
        la_icb_weights.icb_vintage,
        la_icb_weights.icb_code,
        sum(lad21_shares.admissions_share * la_icb_weights.share_of_la_population) as admissions_share,
        'lad21_catchment_population_weighted' as share_basis,
        bool_or(la_icb_weights.is_split_la) as uses_split_la
    from lad21_shares
    inner join la_icb_weights on lad21_shares.lad21_code = la_icb_weights.la_code
    where
        la_icb_weights.population_basis = 'usual_residents_2021'
        and la_icb_weights.icb_vintage <> 'ICB22'
    group by lad21_shares.trust_code, la_icb_weights.icb_vintage, la_icb_weights.icb_code
),

final as (
    select * from icb22
    union all
    select * from later_vintages
)

select * from final

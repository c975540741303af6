-- Where each LSOA's counts fall, by ICB and the IMD edition's own LSOA together: one row per LSOA (2011 or
-- 2021), ICB vintage, ICB, IMD edition and ranked LSOA of that edition, with its national rank and decile and
-- the share of the LSOA's counts that lands there (summing to 1 per LSOA, vintage and edition). Deciles are
-- built from it twice: national (int_lsoa_imd_decile_shares_derived) and local, ranked within each ICB
-- (int_icb_imd_local_deciles_ranked). IMD 2019 is ranked on LSOA11s and IMD 2025 on LSOA21s, so a count on
-- the other LSOA basis reaches its ranked LSOA through the LSOA11-LSOA21 pieces of the exact-fit lookup.

with

pieces as (
    select * from {{ ref('int_lsoa11_lsoa21_weights_derived') }}
),

sape2020 as (
    select * from {{ ref('stg_ons_population__sape2020_lsoa11_populations') }}
),

imd2019 as (
    select * from {{ ref('stg_mhclg_iod__imd2019_lsoa11_deciles') }}
),

imd2025 as (
    select * from {{ ref('stg_mhclg_iod__imd2025_lsoa21_scores') }}
),

lsoa21_memberships as (
    select * from {{ ref('int_lsoa21_icb_memberships_unioned') }}
),

lsoa11_memberships as (
    select * from {{ ref('int_lsoa11_icb_memberships_derived') }}
),

-- An LSOA21 made from several LSOA11s (a merge or irregular redesign) is shared among them by the mid-2020
-- residents each handed over; IMD 2019 has no LSOA21 ranks, and no Census 2021 count exists on LSOA11s.
pieces_populated as (
    select
        pieces.lsoa11_code,
        pieces.lsoa21_code,
        pieces.lsoa11_share,
        sape2020.population_all_ages * pieces.lsoa11_share as inherited_population
    from pieces
    left join sape2020 on pieces.lsoa11_code = sape2020.lsoa11_code
),

pieces_weighted as (
    select
        lsoa11_code,
        lsoa21_code,
        lsoa11_share,
        coalesce(
            inherited_population / nullif(sum(inherited_population) over (partition by lsoa21_code), 0),
            1.0 / count(*) over (partition by lsoa21_code)
        ) as lsoa21_share
    from pieces_populated
),

lsoa21_imd2025 as (
    select
        'lsoa21' as lsoa_basis,
        lsoa21_memberships.lsoa21_code as lsoa_code,
        lsoa21_memberships.icb_vintage,
        lsoa21_memberships.icb_code,
        'IMD2025' as imd_edition,
        imd2025.lsoa21_code as imd_lsoa_code,
        imd2025.imd_rank,
        imd2025.imd_decile,
        1.0 as share
    from lsoa21_memberships
    inner join imd2025 on lsoa21_memberships.lsoa21_code = imd2025.lsoa21_code
),

lsoa21_imd2019 as (
    select
        'lsoa21' as lsoa_basis,
        lsoa21_memberships.lsoa21_code as lsoa_code,
        lsoa21_memberships.icb_vintage,
        lsoa21_memberships.icb_code,
        'IMD2019' as imd_edition,
        imd2019.lsoa11_code as imd_lsoa_code,
        imd2019.imd_rank,
        imd2019.imd_decile,
        sum(pieces_weighted.lsoa21_share) as share
    from lsoa21_memberships
    inner join pieces_weighted on lsoa21_memberships.lsoa21_code = pieces_weighted.lsoa21_code
    inner join imd2019 on pieces_weighted.lsoa11_code = imd2019.lsoa11_code
    group by all
),

lsoa11_imd2019 as (
    select
        'lsoa11' as lsoa_basis,
        lsoa11_memberships.lsoa11_code as lsoa_code,
        lsoa11_memberships.icb_vintage,
        lsoa11_memberships.icb_code,
        'IMD2019' as imd_edition,
        imd2019.lsoa11_code as imd_lsoa_code,
        imd2019.imd_rank,
        imd2019.imd_decile,
        lsoa11_memberships.lsoa11_share as share
    from lsoa11_memberships
    inner join imd2019 on lsoa11_memberships.lsoa11_code = imd2019.lsoa11_code
),

-- ICB22 was drawn on LSOA11s (its lookup in areas.yaml is by lsoa11_code), so an LSOA11 keeps its ICB22
-- and only its decile follows the pieces. Later vintages are drawn on LSOA21s, so each piece carries ICB and
-- decile together (never a product of the two marginal shares, which would misplace counts of an LSOA11
-- straddling ICBs).
lsoa11_imd2025 as (
    select
        'lsoa11' as lsoa_basis,
        lsoa11_memberships.lsoa11_code as lsoa_code,
        lsoa11_memberships.icb_vintage,
        lsoa11_memberships.icb_code,
        'IMD2025' as imd_edition,
        imd2025.lsoa21_code as imd_lsoa_code,
        imd2025.imd_rank,
        imd2025.imd_decile,
        sum(lsoa11_memberships.lsoa11_share * pieces_weighted.lsoa11_share) as share
    from lsoa11_memberships
    inner join pieces_weighted on lsoa11_memberships.lsoa11_code = pieces_weighted.lsoa11_code
    inner join imd2025 on pieces_weighted.lsoa21_code = imd2025.lsoa21_code
    where {{ icb_vintage_drawn_on_lsoa11('lsoa11_memberships.icb_vintage') }}
    group by all
    union all
    select
        'lsoa11' as lsoa_basis,
        pieces_weighted.lsoa11_code as lsoa_code,
        lsoa21_memberships.icb_vintage,
        lsoa21_memberships.icb_code,
        'IMD2025' as imd_edition,
        imd2025.lsoa21_code as imd_lsoa_code,
        imd2025.imd_rank,
        imd2025.imd_decile,
        sum(pieces_weighted.lsoa11_share) as share
    from pieces_weighted
    inner join lsoa21_memberships on pieces_weighted.lsoa21_code = lsoa21_memberships.lsoa21_code
    inner join imd2025 on pieces_weighted.lsoa21_code = imd2025.lsoa21_code
    where not {{ icb_vintage_drawn_on_lsoa11('lsoa21_memberships.icb_vintage') }}
    group by all
),

placements as (
    select * from lsoa21_imd2025
    union all
    select * from lsoa21_imd2019
    union all
    select * from lsoa11_imd2019
    union all
    select * from lsoa11_imd2025
),

final as (
    select
        lsoa_basis,
        lsoa_code,
        icb_vintage,
        icb_code,
        imd_edition,
        imd_lsoa_code,
        imd_rank,
        imd_decile,
        share
    from placements
)

select * from final

-- Where each LSOA's counts fall, by ICB and national IMD decile together: one row per LSOA (2011 or
-- 2021), ICB vintage, ICB, IMD edition and decile, with the share of the LSOA's counts that lands there
-- (summing to 1 per LSOA, vintage and edition). Only merges, splits and irregular redesigns between 2011 and
-- 2021 whose pieces sit in different deciles are fractional; everything else is whole.

with

placements as (
    select * from {{ ref('int_lsoa_imd_lsoa_placements_derived') }}
),

deciles as (
    select
        lsoa_basis,
        lsoa_code,
        icb_vintage,
        icb_code,
        imd_edition,
        imd_decile,
        sum(share) as share
    from placements
    group by all
),

final as (
    select
        lsoa_basis,
        lsoa_code,
        icb_vintage,
        icb_code,
        imd_edition,
        imd_decile,
        -- shares are sums of fractions: snap float rounding so a whole LSOA counts exactly once
        case when share > 1 - 1e-9 then 1.0 else share end as share,
        share > 1 - 1e-9 as is_whole
    from deciles
)

select * from final

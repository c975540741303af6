-- Where each LSOA's counts fall, by ICB and local IMD decile (ranked within the ICB) together: the same shape
-- as int_lsoa_imd_decile_shares_derived, with imd_decile the local decile, so one aggregation serves both.

with

placements as (
    select * from {{ ref('int_lsoa_imd_lsoa_placements_derived') }}
),

local_deciles as (
    select * from {{ ref('int_icb_imd_local_deciles_ranked') }}
),

deciles as (
    select
        placements.lsoa_basis,
        placements.lsoa_code,
        placements.icb_vintage,
        placements.icb_code,
        placements.imd_edition,
        local_deciles.local_decile as imd_decile,
        sum(placements.share) as share
    from placements
    inner join local_deciles
        on placements.icb_vintage = local_deciles.icb_vintage
        and placements.icb_code = local_deciles.icb_code
        and placements.imd_edition = local_deciles.imd_edition
        and placements.imd_lsoa_code = local_deciles.imd_lsoa_code
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

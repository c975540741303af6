-- Share of each district's residents living in the nationally most deprived tenth of LSOAs (IMD 2025), for
-- shading districts on maps: residents summed over LSOAs, then divided, never an average of LSOA shares.

with

lad_lookup as (
    select * from {{ ref('stg_ons_geography__lsoa21_lad24_lookups') }}
),

imd2025 as (
    select * from {{ ref('stg_mhclg_iod__imd2025_lsoa21_scores') }}
),

populations as (
    select * from {{ ref('int_lsoa21_populations_joined') }}
),

lsoa21_residents as (
    select
        lad_lookup.lad24_code,
        populations.usual_residents_2021,
        imd2025.imd_decile
    from lad_lookup
    inner join populations on lad_lookup.lsoa21_code = populations.lsoa21_code
    left join imd2025 on lad_lookup.lsoa21_code = imd2025.lsoa21_code
),

final as (
    select
        lad24_code,
        sum(usual_residents_2021) as usual_residents_2021,
        sum(usual_residents_2021) filter (where imd_decile = 1) as residents_in_most_deprived_decile,
        count(*) filter (where imd_decile is null) as lsoa21s_without_imd,
        -- a district with an LSOA missing from the index gets no share rather than an understated one
        case
            when count(*) filter (where imd_decile is null) = 0
                then
                    coalesce(sum(usual_residents_2021) filter (where imd_decile = 1), 0)
                    / sum(usual_residents_2021)
        end as most_deprived_decile_share
    from lsoa21_residents
    group by lad24_code
)

select * from final

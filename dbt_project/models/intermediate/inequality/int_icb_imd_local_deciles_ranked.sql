-- Local IMD deciles, as PHE/OHID build them for a slope index of inequality within an area: the IMD
-- edition's LSOAs in each ICB are ranked by their IMD score (the national rank orders them identically, 1 =
-- most deprived) and cut into ten groups of about equal population. Each LSOA goes whole to the decile that
-- holds the mid-point of its residents in the ICB's cumulative population, so every ICB has all ten deciles
-- (an LSOA holds far less than a tenth of any ICB). Population = Census 2021 usual residents, shared to
-- 2011 LSOAs (IMD 2019) as int_lsoa_imd_lsoa_placements_derived shares counts. A ranked LSOA reached only by
-- counts on the other basis (no residents placed in the ICB) still gets the decile of its rank position.

with

placements as (
    select * from {{ ref('int_lsoa_imd_lsoa_placements_derived') }}
),

residents as (
    select * from {{ ref('stg_ons_population__census2021_lsoa21_residents') }}
),

ranked_lsoas as (
    select distinct
        icb_vintage,
        icb_code,
        imd_edition,
        imd_lsoa_code,
        imd_rank
    from placements
),

placed_residents as (
    select
        placements.icb_vintage,
        placements.icb_code,
        placements.imd_edition,
        placements.imd_lsoa_code,
        sum(residents.usual_residents * placements.share) as residents
    from placements
    inner join residents on placements.lsoa_code = residents.lsoa21_code
    where placements.lsoa_basis = 'lsoa21'
    group by all
),

populated as (
    select
        ranked_lsoas.*,
        coalesce(placed_residents.residents, 0) as residents
    from ranked_lsoas
    left join placed_residents
        on ranked_lsoas.icb_vintage = placed_residents.icb_vintage
        and ranked_lsoas.icb_code = placed_residents.icb_code
        and ranked_lsoas.imd_edition = placed_residents.imd_edition
        and ranked_lsoas.imd_lsoa_code = placed_residents.imd_lsoa_code
),

cumulated as (
    select
        *,
        sum(residents) over ranking as cumulative_residents,
        sum(residents) over icb as icb_residents
    from populated
    window
        icb as (partition by icb_vintage, icb_code, imd_edition),
        ranking as (
            icb order by imd_rank, imd_lsoa_code rows between unbounded preceding and current row
        )
),

final as (
    select
        icb_vintage,
        icb_code,
        imd_edition,
        imd_lsoa_code,
        imd_rank,
        residents,
        (cumulative_residents - residents / 2) / icb_residents as population_midpoint,
        cast(
            least(10, floor(10 * (cumulative_residents - residents / 2) / icb_residents) + 1) as integer
        ) as local_decile
    from cumulated
)

select * from final

-- Where each sub-ICB location of July 2022 (SICBL22, the codes Fingertips used for its "ICB sub-locations"
-- through 2022/23) lies in each ICB vintage, by mid-2020 residents aged 16+. SICBL22s nest exactly in the
-- ICB22s (taken from the July 2022 LSOA11 lookup); for later vintages each LSOA11 is carried by its shares in
-- the ICBs (int_lsoa11_icb_memberships_derived), so a SICBL cut by a later boundary change gets one row per
-- ICB and is flagged, never assigned silently. For ICB24 the SICBL24 lookup's own ICB is kept beside it as a
-- cross-check.

with

icb22_lookup as (
    select * from {{ ref('stg_ons_geography__lsoa11_icb22_lookups') }}
),

icb24_lookup as (
    select * from {{ ref('stg_ons_geography__lsoa21_icb24_lookups') }}
),

lsoa11_memberships as (
    select * from {{ ref('int_lsoa11_icb_memberships_derived') }}
),

sape2020 as (
    select * from {{ ref('stg_ons_population__sape2020_lsoa11_populations') }}
),

sicbl_in_icb as (
    select
        icb22_lookup.sicbl22_code,
        lsoa11_memberships.icb_vintage,
        lsoa11_memberships.icb_code,
        sum(lsoa11_memberships.lsoa11_share) as lsoa11_count,
        sum(sape2020.population_aged_16_plus * lsoa11_memberships.lsoa11_share)
            as population_aged_16_plus_2020
    from icb22_lookup
    inner join lsoa11_memberships on icb22_lookup.lsoa11_code = lsoa11_memberships.lsoa11_code
    inner join sape2020 on icb22_lookup.lsoa11_code = sape2020.lsoa11_code
    group by icb22_lookup.sicbl22_code, lsoa11_memberships.icb_vintage, lsoa11_memberships.icb_code
),

sicbl24_icbs as (
    -- SICBL codes carried over unchanged to April 2024 name their ICB24 directly
    select distinct
        sicbl24_code,
        icb24_code
    from icb24_lookup
),

shares as (
    select
        sicbl_in_icb.*,
        sicbl_in_icb.population_aged_16_plus_2020
        / sum(sicbl_in_icb.population_aged_16_plus_2020) over (
            partition by sicbl_in_icb.sicbl22_code, sicbl_in_icb.icb_vintage
        ) as share_of_sicbl_population,
        sum(sicbl_in_icb.population_aged_16_plus_2020) over (
            partition by sicbl_in_icb.icb_code, sicbl_in_icb.icb_vintage
        ) as icb_population_aged_16_plus_2020,
        count(*) over (
            partition by sicbl_in_icb.sicbl22_code, sicbl_in_icb.icb_vintage
        ) > 1 as is_split_sicbl,
        row_number() over (
            partition by sicbl_in_icb.sicbl22_code, sicbl_in_icb.icb_vintage
            order by sicbl_in_icb.population_aged_16_plus_2020 desc, sicbl_in_icb.icb_code asc
        ) = 1 as is_majority_icb
    from sicbl_in_icb
),

final as (
    select
        shares.sicbl22_code,
        shares.icb_vintage,
        shares.icb_code,
        shares.lsoa11_count,
        shares.population_aged_16_plus_2020,
        shares.share_of_sicbl_population,
        shares.icb_population_aged_16_plus_2020,
        shares.is_split_sicbl,
        shares.is_majority_icb,
        case
            when shares.icb_vintage = 'ICB24' then sicbl24_icbs.icb24_code
        end as icb24_code_in_sicbl24_lookup
    from shares
    left join sicbl24_icbs on shares.sicbl22_code = sicbl24_icbs.sicbl24_code
)

select * from final

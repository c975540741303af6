-- Each ICB's Census 2021 residents by the RUC 2021 class of their district, per vintage: every LSOA21 sits in
-- one LAD24, so residents are summed over LSOA21s into rural and classified totals and only then divided.

with

memberships as (
    select * from {{ ref('int_lsoa21_icb_memberships_unioned') }}
),

populations as (
    select * from {{ ref('int_lsoa21_populations_joined') }}
),

lad24_lookup as (
    select * from {{ ref('stg_ons_geography__lsoa21_lad24_lookups') }}
),

classifications as (
    select * from {{ ref('stg_ons_geography__lad24_rural_urban_classifications') }}
),

lsoa21_classes as (
    select
        memberships.icb_code,
        memberships.icb_vintage,
        populations.usual_residents_2021 as residents,
        classifications.urban_rural
    from memberships
    inner join populations on memberships.lsoa21_code = populations.lsoa21_code
    -- left joins so an LSOA21 whose district has no class lowers coverage instead of vanishing
    left join lad24_lookup on memberships.lsoa21_code = lad24_lookup.lsoa21_code
    left join classifications on lad24_lookup.lad24_code = classifications.lad24_code
),

sums as (
    select
        icb_code,
        icb_vintage,
        coalesce(sum(residents) filter (where urban_rural = 'Rural'), 0) as rural_residents,
        sum(residents) filter (where urban_rural is not null) as classified_residents,
        sum(residents) as residents
    from lsoa21_classes
    group by icb_code, icb_vintage
),

final as (
    select
        icb_code,
        icb_vintage,
        cast(rural_residents as double) as rural_residents,
        cast(classified_residents as double) as classified_residents,
        rural_residents / classified_residents as rural_resident_share,
        classified_residents / residents as coverage
    from sums
)

select * from final

-- Where each LSOA11 lies in each ICB vintage, as a share (1 when the LSOA11 sits wholly in one ICB).
-- Lets sources on 2011 LSOAs (IoD2019, mid-2020 estimates) be summed on any vintage without copying values
-- between areas.

with

icb22_lookup as (
    select * from {{ ref('stg_ons_geography__lsoa11_icb22_lookups') }}
),

lsoa11_to_lsoa21 as (
    select * from {{ ref('int_lsoa11_lsoa21_weights_derived') }}
),

lsoa21_memberships as (
    select * from {{ ref('int_lsoa21_icb_memberships_unioned') }}
),

icb22 as (
    -- the July 2022 ICBs were defined on LSOA11s: take the lookup as published
    select
        lsoa11_code,
        icb22_code as icb_code,
        'ICB22' as icb_vintage,
        1.0 as lsoa11_share
    from icb22_lookup
),

later_vintages as (
    select
        lsoa11_to_lsoa21.lsoa11_code,
        lsoa21_memberships.icb_code,
        lsoa21_memberships.icb_vintage,
        sum(lsoa11_to_lsoa21.lsoa11_share) as lsoa11_share
    from lsoa11_to_lsoa21
    inner join lsoa21_memberships on lsoa11_to_lsoa21.lsoa21_code = lsoa21_memberships.lsoa21_code
    where lsoa21_memberships.icb_vintage <> 'ICB22'
    group by all
),

final as (
    select * from icb22
    union all
    select * from later_vintages
)

select * from final

{{ config(meta={'dagster': {'ref': {'name': 'int_la_lsoa21_memberships_unioned'}}}) }}

-- A county's ground must be exactly the union of its districts' ground (int_la_county_districts_derived,
-- abolished districts included). For current counties the ground comes from the ONS UTLA23 lookup, so this
-- checks the rule that gives the counties abolished in 2019-2023 their ground, and the ground found for
-- districts abolished since 2011, against the ONS lookup itself. Returns the LSOAs in one set only.

with

memberships as (
    select * from {{ ref('int_la_lsoa21_memberships_unioned') }}
),

county_districts as (
    select * from {{ ref('int_la_county_districts_derived') }}
),

county_grounds as (
    select
        la_code as county_code,
        lsoa21_code
    from memberships
    where la_code like 'E10%'
),

district_grounds as (
    select distinct
        county_districts.county_code,
        memberships.lsoa21_code
    from county_districts
    inner join memberships on county_districts.district_code = memberships.la_code
),

final as (
    select
        coalesce(county_grounds.county_code, district_grounds.county_code) as county_code,
        coalesce(county_grounds.lsoa21_code, district_grounds.lsoa21_code) as lsoa21_code,
        county_grounds.lsoa21_code is null as missing_from_county,
        district_grounds.lsoa21_code is null as missing_from_districts
    from county_grounds
    full outer join district_grounds
        on county_grounds.county_code = district_grounds.county_code
        and county_grounds.lsoa21_code = district_grounds.lsoa21_code
    where county_grounds.lsoa21_code is null or district_grounds.lsoa21_code is null
)

select * from final

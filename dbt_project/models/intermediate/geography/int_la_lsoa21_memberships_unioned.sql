-- Which LSOA21s make up each local authority code a publisher may use: LAD22 districts (before the 2023
-- Cumbria, North Yorkshire and Somerset reorganisations), LAD24, UTLA23 counties and unitaries, and codes
-- re-issued without a material boundary change (seed la_code_successions), districts abolished before
-- 2022 (int_lsoa21_historic_districts_derived), and the counties abolished in 2019-2023 (Dorset,
-- Buckinghamshire, Northamptonshire, Cumbria, North Yorkshire, Somerset), whose figures early periods still
-- carry. A county was exactly the union of its districts, so its ground is the union of theirs
-- (int_la_county_districts_derived); the same rule reproduces the ONS UTLA23 lookup for every current county
-- (tested). A code present in both LAD22 and LAD24 takes its 2024 LSOAs only:
-- boundaries were adjusted in between (e.g. Cherwell / West Northamptonshire), and one LSOA must never belong
-- to two districts at once.

with

exact_fit as (
    select * from {{ ref('stg_ons_geography__lsoa11_lsoa21_lookups') }}
),

lad24_lookup as (
    select * from {{ ref('stg_ons_geography__lsoa21_lad24_lookups') }}
),

utla_lookup as (
    select * from {{ ref('stg_ons_geography__lad23_utla23_lookups') }}
),

seeded_successions as (
    select * from {{ ref('la_code_successions') }}
),

authorities as (
    select * from {{ ref('stg_mysociety__local_authorities') }}
),

successions as (
    -- re-codings: the seed (recent ones) and the former codes mySociety records for current councils
    select
        new_code,
        old_code
    from seeded_successions
    union
    select
        authorities.la_code as new_code,
        trim(former.old_code) as old_code
    from authorities
    cross join unnest(authorities.former_la_codes) as former (old_code)
    where trim(former.old_code) <> ''
),

historic_districts as (
    select * from {{ ref('int_lsoa21_historic_districts_derived') }}
),

county_districts as (
    select * from {{ ref('int_la_county_districts_derived') }}
),

lad22 as (
    select distinct
        lad22_code as la_code,
        lsoa21_code
    from exact_fit
    where lsoa21_code like 'E01%'
),

lad24 as (
    select
        lad24_code as la_code,
        lsoa21_code
    from lad24_lookup
    where lsoa21_code like 'E01%'
),

utla23 as (
    select
        utla_lookup.utla23_code as la_code,
        lad24.lsoa21_code
    from lad24
    inner join utla_lookup on lad24.la_code = utla_lookup.lad23_code
),

abolished_lad22 as (
    select * from lad22
    where la_code not in (select lad24.la_code from lad24)
),

known_codes as (
    select * from abolished_lad22
    union
    select * from lad24
    union
    select * from utla23
),

older_districts as (
    -- districts abolished before 2022, found by the names LSOA 2011s carry
    select * from historic_districts
    where la_code not in (select known_codes.la_code from known_codes)
),

district_grounds as (
    select * from known_codes
    where la_code like 'E07%'
    union
    select * from older_districts
),

former_counties as (
    -- counties no current lookup knows: the union of their districts' ground
    select distinct
        county_districts.county_code as la_code,
        district_grounds.lsoa21_code
    from county_districts
    inner join district_grounds on county_districts.district_code = district_grounds.la_code
    where county_districts.county_code not in (select known.la_code from known_codes as known)
),

successor_codes as (
    -- a seeded new code takes its predecessor's LSOAs
    select
        successions.new_code as la_code,
        known_codes.lsoa21_code
    from successions
    inner join known_codes on successions.old_code = known_codes.la_code
),

predecessor_codes as (
    -- an old code (used in early periods) takes its current successor's LSOAs
    select
        successions.old_code as la_code,
        known_codes.lsoa21_code
    from successions
    inner join known_codes on successions.new_code = known_codes.la_code
    where successions.old_code not in (select known.la_code from known_codes as known)
),

final as (
    select * from known_codes
    union
    select * from older_districts
    union
    select * from former_counties
    union
    select * from successor_codes
    union
    select * from predecessor_codes
)

select * from final

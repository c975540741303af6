-- Which county (E10) each district (E07) lay in, current and abolished districts alike, so that a county's
-- figure can be placed on the union of its districts' ground. Three sources, most authoritative first:
--   ons_utla23: districts that still exist, from the ONS LAD23 to UTLA23 lookup;
--   ons_utla23_successor: a district merged into another district lay in that district's county (Forest Heath
--     and St Edmundsbury into West Suffolk, 2019);
--   mysociety_county_la: districts whose county was abolished with them (Northamptonshire 2021, Cumbria,
--     North Yorkshire and Somerset 2023, Buckinghamshire 2020, Dorset 2019), from mySociety's county-la.
-- mySociety's county-la is used only where ONS has nothing to say: it is wrong in places (it puts Forest
-- Heath in Surrey).

with

utla_lookup as (
    select * from {{ ref('stg_ons_geography__lad23_utla23_lookups') }}
),

authorities as (
    select * from {{ ref('stg_mysociety__local_authorities') }}
),

current_districts as (
    select
        lad23_code as district_code,
        utla23_code as county_code,
        'ons_utla23' as basis
    from utla_lookup
    where lad23_code like 'E07%' and utla23_code like 'E10%'
),

merged_districts as (
    select distinct
        abolished.la_code as district_code,
        current_districts.county_code,
        'ons_utla23_successor' as basis
    from authorities as abolished
    cross join unnest(abolished.replaced_by_register_codes) as replaced (register_code)
    inner join authorities as successor on replaced.register_code = successor.register_code
    inner join current_districts on successor.la_code = current_districts.district_code
    where not abolished.is_current and abolished.la_code like 'E07%'
),

districts_of_abolished_counties as (
    select
        district.la_code as district_code,
        county.la_code as county_code,
        'mysociety_county_la' as basis
    from authorities as county
    inner join authorities as district on county.register_code = district.county_register_code
    where
        county.la_code like 'E10%'
        and not county.is_current
        and district.la_code like 'E07%'
),

final as (
    select * from current_districts
    union all
    select * from merged_districts
    where district_code not in (select current_districts.district_code from current_districts)
    union all
    select * from districts_of_abolished_counties
    where
        district_code not in (select current_districts.district_code from current_districts)
        and district_code not in (select merged_districts.district_code from merged_districts)
)

select * from final

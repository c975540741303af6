-- LSOA21 membership of districts abolished before the lookups in the snapshot begin (the 2019 Dorset,
-- Suffolk and Somerset changes; Buckinghamshire 2020; Northamptonshire 2021). Early periods of local figures
-- still use their codes. An LSOA 2011 is named after the 2011 district it was built in ("Christchurch
-- 001A"), so the name, matched to the abolished authority of that name, gives the district; LSOA21s follow
-- their LSOA11s.

with

lsoa11_lookup as (
    select * from {{ ref('stg_ons_geography__lsoa11_icb22_lookups') }}
),

authorities as (
    select * from {{ ref('stg_mysociety__local_authorities') }}
),

lsoa11_to_lsoa21 as (
    select * from {{ ref('int_lsoa11_lsoa21_weights_derived') }}
),

abolished_districts as (
    select
        la_code,
        lower(nice_name) as district_name
    from authorities
    where not is_current and regexp_matches(la_code, '^E0[6-9]')
),

lsoa11_districts as (
    select
        lsoa11_lookup.lsoa11_code,
        abolished_districts.la_code
    from lsoa11_lookup
    inner join abolished_districts
        on lower(regexp_replace(lsoa11_lookup.lsoa11_name, ' \d{3}[A-Z]$', ''))
        = abolished_districts.district_name
),

lsoa21_candidates as (
    select
        lsoa11_to_lsoa21.lsoa21_code,
        lsoa11_districts.la_code,
        sum(lsoa11_to_lsoa21.lsoa11_share) as weight
    from lsoa11_districts
    inner join lsoa11_to_lsoa21 on lsoa11_districts.lsoa11_code = lsoa11_to_lsoa21.lsoa11_code
    group by lsoa11_to_lsoa21.lsoa21_code, lsoa11_districts.la_code
),

final as (
    select
        la_code,
        lsoa21_code
    from lsoa21_candidates
    qualify row_number() over (partition by lsoa21_code order by weight desc, la_code asc) = 1
)

select * from final

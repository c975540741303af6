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

lad24_lookup as (
    select * from {{ ref('stg_ons_geography__lsoa21_lad24_lookups') }}
),

direct_successors as (
    -- a district's ground passed to its successors; an LSOA now in another council (a later boundary
    -- tweak, e.g. South Northamptonshire to Cherwell) would otherwise count in two districts at once
    select
        abolished.la_code,
        successor.la_code as successor_code
    from authorities as abolished
    cross join unnest(abolished.replaced_by_register_codes) as replaced (register_code)
    inner join authorities as successor on replaced.register_code = successor.register_code
    where not abolished.is_current
),

successors as (
    -- successors may themselves have been replaced (Taunton Deane -> Somerset West and Taunton -> Somerset)
    select
        la_code,
        successor_code
    from direct_successors
    union
    select
        first_step.la_code,
        second_step.successor_code
    from direct_successors as first_step
    inner join direct_successors as second_step on first_step.successor_code = second_step.la_code
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
        lsoa21_candidates.la_code,
        lsoa21_candidates.lsoa21_code
    from lsoa21_candidates
    inner join lad24_lookup on lsoa21_candidates.lsoa21_code = lad24_lookup.lsoa21_code
    where
        lad24_lookup.lad24_code in (
            select successors.successor_code from successors
            where successors.la_code = lsoa21_candidates.la_code
        )
        or lsoa21_candidates.la_code not in (select successors.la_code from successors)
    qualify row_number() over (
        partition by lsoa21_candidates.lsoa21_code
        order by lsoa21_candidates.weight desc, lsoa21_candidates.la_code asc
    ) = 1
)

select * from final

-- Where the ICB each GP practice name denotes lies in every ICB vintage of the registry of areas: one row per
-- matched name ICB and vintage. A name denotes an ICB organisation, and an organisation keeps its ODS code
-- when its boundary or E54 code moves, so in every vintage whose lookup gives ICB ODS codes (areas.yaml
-- `ods_code`: ICB22, ICB24) the name's ICB is the one with the same ODS code (method icb_name_match):
-- Surrey Heartlands stays Surrey Heartlands in ICB24 although four of its LSOA21s joined Sussex. A vintage
-- without ODS codes (ICB26 so far) takes the ICB only where the name's ICB in the latest vintage with ODS
-- codes lies wholly inside one of its ICBs (all its LSOA21s; method icb_name_match_nested), the rule NHS
-- trusts follow (int_nhs_trusts_icbs_assigned); an ICB split across that vintage's ICBs leaves its practices
-- unplaced there (icb_code NULL), because the file gives practices no location. footprint_vintage and
-- footprint_icb_code name the ICB whose LSOA21s the practices stand for, from which coverage is measured.

with

name_matches as (
    select * from {{ ref('int_gp_practice_icb_names_matched') }}
),

ods_codes as (
    select * from {{ ref('int_icb_ods_codes_listed') }}
),

icb_memberships as (
    select * from {{ ref('int_lsoa21_icb_memberships_unioned') }}
),

ods_vintages as (
    select distinct ods_codes.icb_vintage
    from ods_codes
),

-- each matched name's ICB and its ODS code (the match is checked against HEEC's ODS codes by a dbt test)
name_organisations as (
    select distinct
        name_matches.icb_code as name_icb_code,
        ods_codes.icb_ods_code
    from name_matches
    inner join ods_codes
        on name_matches.icb_code = ods_codes.icb_code
        and name_matches.icb_vintage = ods_codes.icb_vintage
    where name_matches.match_status = 'matched'
),

by_ods_code as (
    select
        name_organisations.name_icb_code,
        ods_codes.icb_vintage,
        ods_codes.icb_code,
        'icb_name_match' as method,
        ods_codes.icb_vintage as footprint_vintage,
        ods_codes.icb_code as footprint_icb_code
    from name_organisations
    inner join ods_codes on name_organisations.icb_ods_code = ods_codes.icb_ods_code
),

-- the LSOA21s of each name's ICB in the vintage the names were matched in (int_gp_practice_icb_names_matched:
-- the latest with ODS codes)
latest_footprints as (
    select
        name_matches.icb_code as name_icb_code,
        name_matches.icb_vintage as footprint_vintage,
        name_matches.icb_code as footprint_icb_code,
        icb_memberships.lsoa21_code
    from name_matches
    inner join icb_memberships
        on name_matches.icb_code = icb_memberships.icb_code
        and name_matches.icb_vintage = icb_memberships.icb_vintage
    where name_matches.match_status = 'matched'
),

nesting as (
    select
        latest_footprints.name_icb_code,
        latest_footprints.footprint_vintage,
        latest_footprints.footprint_icb_code,
        icb_memberships.icb_vintage,
        count(distinct icb_memberships.icb_code) as vintage_icbs,
        min(icb_memberships.icb_code) as icb_code
    from latest_footprints
    inner join icb_memberships on latest_footprints.lsoa21_code = icb_memberships.lsoa21_code
    left join ods_vintages on icb_memberships.icb_vintage = ods_vintages.icb_vintage
    where ods_vintages.icb_vintage is null
    group by all
),

by_nesting as (
    select
        name_icb_code,
        icb_vintage,
        case when vintage_icbs = 1 then icb_code end as icb_code,
        'icb_name_match_nested' as method,
        footprint_vintage,
        footprint_icb_code
    from nesting
),

final as (
    select * from by_ods_code
    union all by name
    select * from by_nesting
)

select * from final

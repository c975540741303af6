-- Every GP practice and financial year of the practice workforce file, once per ICB vintage of the registry
-- of areas, with the ICB it is attributed to there. The name vintage's ICB comes from the checked name match
-- (method icb_name_match). Another vintage takes it only where the name-vintage ICB lies wholly inside one
-- ICB of that vintage (all its LSOA21s; method icb_name_match_nested): ICB24 kept the 2022 footprints except
-- Surrey Heartlands, part of which joined Sussex, and ICB26 merges some and splits others. Practices of an
-- ICB split across the other vintage's ICBs cannot be placed without their own location and stay unattributed
-- there (attribution_status icb_split_in_vintage); the ICB figures report the loss through coverage. A
-- practice with no ICB name (one 2024/25 row) is unattributed everywhere.

with

practice_years as (
    select * from {{ ref('stg_heec__gp_practice_workforce_years') }}
),

name_matches as (
    select * from {{ ref('int_gp_practice_icb_names_matched') }}
),

icb_memberships as (
    select * from {{ ref('int_lsoa21_icb_memberships_unioned') }}
),

vintages as (
    select distinct icb_vintage from icb_memberships
),

name_vintage_memberships as (
    select
        icb_memberships.lsoa21_code,
        icb_memberships.icb_code as name_icb_code
    from icb_memberships
    where
        icb_memberships.icb_vintage
        = (select any_value(name_matches.icb_vintage) as icb_vintage from name_matches)
),

-- the ICBs of each vintage that a name-vintage ICB's LSOA21s fall in
nesting as (
    select
        name_vintage_memberships.name_icb_code,
        icb_memberships.icb_vintage,
        count(distinct icb_memberships.icb_code) as vintage_icbs,
        min(icb_memberships.icb_code) as icb_code
    from name_vintage_memberships
    inner join icb_memberships on name_vintage_memberships.lsoa21_code = icb_memberships.lsoa21_code
    group by name_vintage_memberships.name_icb_code, icb_memberships.icb_vintage
),

final as (
    select
        practice_years.practice_code,
        practice_years.financial_year_end,
        practice_years.period,
        practice_years.period_start,
        practice_years.months_covered,
        vintages.icb_vintage,
        name_matches.icb_code as name_icb_code,
        case when nesting.vintage_icbs = 1 then nesting.icb_code end as icb_code,
        case
            when name_matches.icb_code is null then 'no_icb_name'
            when nesting.vintage_icbs = 1 then 'attributed'
            else 'icb_split_in_vintage'
        end as attribution_status,
        case
            when vintages.icb_vintage = name_matches.icb_vintage then 'icb_name_match'
            else 'icb_name_match_nested'
        end as method,
        practice_years.registered_patients,
        practice_years.gp_fte,
        practice_years.gp_locum_trainee_fte,
        practice_years.nurse_fte,
        practice_years.direct_patient_care_fte,
        practice_years.admin_fte,
        practice_years.imd_quintile
    from practice_years
    cross join vintages
    left join name_matches on practice_years.icb_name = name_matches.icb_name
    left join nesting
        on name_matches.icb_code = nesting.name_icb_code
        and vintages.icb_vintage = nesting.icb_vintage
)

select * from final

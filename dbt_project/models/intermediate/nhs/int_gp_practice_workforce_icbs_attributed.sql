-- Every GP practice and financial year of the practice workforce file, once per ICB vintage of the registry
-- of areas, with the ICB it is attributed to there: the ICB its checked ICB name denotes, placed in each
-- vintage by int_gp_practice_name_icbs_placed (by ODS code where the vintage has them, method icb_name_match;
-- by nesting otherwise, icb_name_match_nested). Practices of an ICB split across a vintage's ICBs cannot be
-- placed without their own location and stay unattributed there (attribution_status icb_split_in_vintage);
-- the ICB figures report the loss through coverage. A practice with no ICB name (one 2024/25 row) is
-- unattributed everywhere.

with

practice_years as (
    select * from {{ ref('stg_heec__gp_practice_workforce_years') }}
),

name_matches as (
    select * from {{ ref('int_gp_practice_icb_names_matched') }}
),

placements as (
    select * from {{ ref('int_gp_practice_name_icbs_placed') }}
),

vintages as (
    select distinct icb_vintage from placements
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
        placements.icb_code,
        case
            when name_matches.icb_code is null then 'no_icb_name'
            when placements.icb_code is not null then 'attributed'
            else 'icb_split_in_vintage'
        end as attribution_status,
        coalesce(placements.method, 'icb_name_match') as method,
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
    left join placements
        on name_matches.icb_code = placements.name_icb_code
        and vintages.icb_vintage = placements.icb_vintage
)

select * from final

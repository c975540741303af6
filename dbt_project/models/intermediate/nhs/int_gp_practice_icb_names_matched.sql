-- Every ICB name the GP practice workforce file uses, matched to the one ICB of the name vintage it denotes.
-- The file names ICBs without codes, and the ODS GP practice file (epraccur) that would place each practice
-- by its commissioner is not in the snapshot, so names are the checked fallback: both sides are normalised
-- (case, "NHS", "Integrated Care Board", "and"/"&", punctuation) and each name must match exactly one ICB of
-- the name vintage. match_status says unmatched or ambiguous otherwise, and the model's accepted_values test
-- fails the build on either: a name that cannot be placed is never dropped quietly. Names are matched in the
-- latest ICB vintage whose lookup gives ICB ODS codes (areas.yaml `ods_code`), because a name denotes an ICB
-- organisation and int_gp_practice_name_icbs_placed follows it to every vintage by that code; HEEC's table
-- carries one name per practice for all three years.

with

practice_years as (
    select * from {{ ref('stg_heec__gp_practice_workforce_years') }}
),

icb_memberships as (
    select * from {{ ref('int_lsoa21_icb_memberships_unioned') }}
),

ods_codes as (
    select * from {{ ref('int_icb_ods_codes_listed') }}
),

name_vintage as (
    select ods_codes.icb_vintage
    from ods_codes
    group by ods_codes.icb_vintage
    order by
        {{ icb_vintage_in_force_from('ods_codes.icb_vintage') }} desc nulls last,
        ods_codes.icb_vintage desc
    limit 1
),

icb_names as (
    select distinct
        icb_memberships.icb_code,
        icb_memberships.icb_vintage,
        {{ normalise_icb_name('icb_memberships.icb_name') }} as icb_name_key
    from icb_memberships
    inner join name_vintage on icb_memberships.icb_vintage = name_vintage.icb_vintage
),

file_names as (
    select distinct
        icb_name,
        {{ normalise_icb_name('icb_name') }} as icb_name_key
    from practice_years
    where icb_name is not null
),

candidates as (
    select
        file_names.icb_name,
        file_names.icb_name_key,
        count(icb_names.icb_code) as candidate_icbs,
        min(icb_names.icb_code) as icb_code
    from file_names
    left join icb_names on file_names.icb_name_key = icb_names.icb_name_key
    group by file_names.icb_name, file_names.icb_name_key
),

final as (
    select
        icb_name,
        icb_name_key,
        (select name_vintage.icb_vintage from name_vintage) as icb_vintage,
        case when candidate_icbs = 1 then icb_code end as icb_code,
        cast(candidate_icbs as integer) as candidate_icbs,
        case candidate_icbs
            when 1 then 'matched'
            when 0 then 'unmatched'
            else 'ambiguous'
        end as match_status
    from candidates
)

select * from final

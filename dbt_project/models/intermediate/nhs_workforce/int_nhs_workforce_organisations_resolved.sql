-- Every employing organisation of the HCHS workforce file (2017/18 ODS codes) resolved to today's
-- organisations, with how its staff are attributed to ICBs: one row per organisation code.
--   NHS trusts and care trusts: a code closed since is followed to its successor through the registered seed
--   nhs_trust_successions (the open trust now holding its services). A trust that was acute in 2017/18 (its
--   latest ERIC return, 2016/17 or 2015/16, says ACUTE; a trust with no ERIC return, formed since, counts as
--   acute when it has a catchment) is shared among ICBs by the OHID catchment (2020 admissions, 2022
--   codes) of its own code where that exists, else of its successor, which took over its hospitals. Every
--   other trust goes to the ICB of its headquarters: the ODS parent ICB of its own code (ODS keeps closed
--   trusts with the ICB now covering their old HQ, as for ERIC), else the registered HQ ICB of a care
--   trust absent from ODS (seed nhs_care_trust_parent_icbs), else its successor's.
--   CCGs (codes starting with a digit): their staff are listed apart, each CCG in the ICB the HEEC CCG -> ICB
--   lookup gives it (its sub-ICB location's ICB).
-- A trust that resolves to no open trust, or to no ICB, keeps a row with unattributable_reason and has no ICB
-- rows, so it is counted out openly: registered in nhs_trust_successions with its reason, it is reported
-- (assert_nhs_workforce_unattributable_organisations_listed); not registered, it stops the build
-- (assert_nhs_workforce_trusts_resolve_to_open_trusts).

with

staff as (
    select * from {{ ref('stg_nhs_workforce__hchs_staff_fte') }}
),

successions as (
    select * from {{ ref('nhs_trust_successions') }}
),

care_trusts as (
    select * from {{ ref('nhs_care_trust_parent_icbs') }}
),

ods_trusts as (
    select * from {{ ref('stg_nhs_ods__trusts') }}
),

eric_returns as (
    select * from {{ ref('int_nhs_eric_trust_returns_repaired') }}
),

catchments as (
    select * from {{ ref('int_nhs_acute_trust_catchments_apportioned') }}
),

ccg_icbs as (
    select * from {{ ref('stg_heec__ccg_icb_codes') }}
),

organisations as (
    select
        organisation_code,
        any_value(organisation_name order by period desc) as organisation_name,
        case
            when regexp_matches(organisation_code, '^[0-9]') then 'ccg'
            when organisation_code like 'T%' then 'care_trust'
            else 'nhs_trust'
        end as organisation_kind
    from staff
    group by organisation_code
),

-- the organisation type of each trust's latest ERIC return before the workforce file (2016/17, else 2015/16)
eric_types as (
    select
        trust_code,
        organisation_type as eric_organisation_type
    from eric_returns
    where organisation_type is not null
    qualify row_number() over (partition by trust_code order by period_start desc) = 1
),

catchment_trusts as (
    select distinct trust_code
    from catchments
),

-- trusts open at the ODS extract: open NHS trusts, and the care trusts ODS lists elsewhere
open_trusts as (
    select trust_code
    from ods_trusts
    where close_date is null
    union
    select trust_code
    from care_trusts
),

trusts_resolved as (
    select
        organisations.organisation_code,
        organisations.organisation_name,
        organisations.organisation_kind,
        successions.successor_code,
        successions.successor_name,
        successions.effective_date as succession_date,
        successions.unattributable_reason as registered_unattributable_reason,
        coalesce(successions.successor_code, organisations.organisation_code) as current_trust_code,
        eric_types.eric_organisation_type,
        coalesce(
            eric_types.eric_organisation_type like 'ACUTE%',
            own_catchment.trust_code is not null
        ) as is_acute_in_2017_18,
        own_catchment.trust_code is not null as has_own_catchment,
        successor_catchment.trust_code is not null as has_successor_catchment,
        coalesce(
            own_ods.icb_ods_code,
            own_care.icb_ods_code,
            successor_ods.icb_ods_code,
            successor_care.icb_ods_code
        ) as hq_icb_ods_code,
        case
            when own_ods.icb_ods_code is not null then 'ods_parent_icb'
            when own_care.icb_ods_code is not null then 'care_trust_seed'
            when successor_ods.icb_ods_code is not null then 'successor_ods_parent_icb'
            when successor_care.icb_ods_code is not null then 'successor_care_trust_seed'
        end as hq_basis,
        open_trusts.trust_code is not null as resolves_to_open_trust
    from organisations
    left join successions on organisations.organisation_code = successions.predecessor_code
    left join eric_types on organisations.organisation_code = eric_types.trust_code
    left join catchment_trusts as own_catchment on organisations.organisation_code = own_catchment.trust_code
    left join catchment_trusts as successor_catchment
        on successions.successor_code = successor_catchment.trust_code
    left join ods_trusts as own_ods on organisations.organisation_code = own_ods.trust_code
    left join care_trusts as own_care on organisations.organisation_code = own_care.trust_code
    left join ods_trusts as successor_ods on successions.successor_code = successor_ods.trust_code
    left join care_trusts as successor_care on successions.successor_code = successor_care.trust_code
    left join open_trusts
        on coalesce(successions.successor_code, organisations.organisation_code) = open_trusts.trust_code
    where organisations.organisation_kind <> 'ccg'
),

trusts_attributed as (
    select
        *,
        case
            when is_acute_in_2017_18 and has_own_catchment then organisation_code
            when is_acute_in_2017_18 and has_successor_catchment then successor_code
        end as catchment_trust_code
    from trusts_resolved
),

trusts_final as (
    select
        organisation_code,
        organisation_name,
        organisation_kind,
        successor_code,
        successor_name,
        succession_date,
        current_trust_code,
        resolves_to_open_trust,
        eric_organisation_type,
        is_acute_in_2017_18,
        catchment_trust_code,
        case when catchment_trust_code is null then hq_icb_ods_code end as hq_icb_ods_code,
        case when catchment_trust_code is null then hq_basis end as hq_basis,
        case
            when catchment_trust_code is not null then 'catchment_apportioned'
            when hq_icb_ods_code is not null then 'organisation_hq'
        end as attribution_method,
        registered_unattributable_reason is not null as is_registered_unattributable,
        case
            when registered_unattributable_reason is not null then registered_unattributable_reason
            when not resolves_to_open_trust
                then 'not an open trust in ODS and no successor in nhs_trust_successions'
            when catchment_trust_code is null and hq_icb_ods_code is null
                then 'no catchment and no HQ ICB (not in ODS, nhs_care_trust_parent_icbs or a successor)'
        end as unattributable_reason
    from trusts_attributed
),

ccgs_final as (
    select
        organisations.organisation_code,
        organisations.organisation_name,
        organisations.organisation_kind,
        cast(null as varchar) as successor_code,
        cast(null as varchar) as successor_name,
        cast(null as date) as succession_date,
        organisations.organisation_code as current_trust_code,
        cast(null as boolean) as resolves_to_open_trust,
        cast(null as varchar) as eric_organisation_type,
        false as is_acute_in_2017_18,
        cast(null as varchar) as catchment_trust_code,
        ccg_icbs.icb_ods_code as hq_icb_ods_code,
        case when ccg_icbs.icb_ods_code is not null then 'heec_ccg_icb_lookup' end as hq_basis,
        case when ccg_icbs.icb_ods_code is not null then 'organisation_hq' end as attribution_method,
        false as is_registered_unattributable,
        case when ccg_icbs.icb_ods_code is null then 'CCG code not in the HEEC CCG -> ICB lookup' end
            as unattributable_reason
    from organisations
    left join ccg_icbs on organisations.organisation_code = ccg_icbs.ccg_code
    where organisations.organisation_kind = 'ccg'
),

final as (
    select * from trusts_final
    union all by name
    select * from ccgs_final
)

select * from final

-- How each ERIC trust return is shared among the ICBs of every vintage: one row per year, trust, ICB
-- vintage and ICB, with the share of the trust's figures the ICB takes (shares sum to 1 per trust and
-- vintage, so every figure is conserved across ICBs). attribution_method says how:
--   catchment_apportioned            an acute trust, by where its admitted patients live (OHID catchments,
--                                    int_nhs_acute_trust_catchments_apportioned), rescaled to sum to 1 over
--                                    English ICBs (in this snapshot they already do, to 1e-15)
--   successor_catchment_apportioned  an acute trust merged before the 2022 catchments, by its successor's
--                                    catchment (registered seed nhs_trust_successions)
--   organisation_hq                  every other trust (and an acute one with neither), wholly to the ICB of
--                                    its headquarters: its ODS parent ICB (int_nhs_trusts_icbs_assigned),
--                                    else the registered HQ ICB of a care trust absent from ODS
--                                    (nhs_care_trust_parent_icbs), else its successor's, as for the workforce
--   not_attributed                   none of these: in no ICB, share 1 kept with a NULL icb_code so the
--                                    return is counted out openly (no trust today)
-- Successions come from the registered seed nhs_trust_successions, which the NHS workforce attribution uses
-- too (ODS close and open dates as evidence); only acute predecessors take a successor's catchment.

with

returns as (
    select distinct
        period,
        trust_code,
        is_acute_trust
    from {{ ref('int_nhs_eric_trust_series_joined') }}
),

catchments as (
    select * from {{ ref('int_nhs_acute_trust_catchments_apportioned') }}
),

trust_icbs as (
    select * from {{ ref('int_nhs_trusts_icbs_assigned') }}
),

memberships as (
    select * from {{ ref('int_lsoa21_icb_memberships_unioned') }}
),

vintages as (
    select distinct icb_vintage from memberships
),

trust_successions as (
    select * from {{ ref('nhs_trust_successions') }}
),

care_trusts as (
    select * from {{ ref('nhs_care_trust_parent_icbs') }}
),

-- an ICB ODS code in each vintage, as trusts' parent ICBs are carried there (int_nhs_trusts_icbs_assigned)
icb_ods_codes as (
    select distinct
        icb_ods_code,
        icb_vintage,
        icb_code
    from trust_icbs
    where icb_code is not null
),

catchment_trusts as (
    select distinct trust_code from catchments
),

-- the trust whose catchment an acute return uses: its own, else its successor's
catchment_sources as (
    select
        returns.period,
        returns.trust_code,
        case
            when own.trust_code is not null then returns.trust_code
            when successor.trust_code is not null then trust_successions.successor_code
        end as catchment_trust_code,
        case
            when own.trust_code is not null then 'catchment_apportioned'
            when successor.trust_code is not null then 'successor_catchment_apportioned'
        end as attribution_method
    from returns
    left join catchment_trusts as own on returns.trust_code = own.trust_code
    left join trust_successions
        on returns.trust_code = trust_successions.predecessor_code
        and returns.is_acute_trust
    left join catchment_trusts as successor on trust_successions.successor_code = successor.trust_code
),

catchment_shares as (
    select
        trust_code,
        icb_vintage,
        icb_code,
        admissions_share / sum(admissions_share) over (partition by trust_code, icb_vintage) as share
    from catchments
),

by_catchment as (
    select
        catchment_sources.period,
        catchment_sources.trust_code,
        catchment_shares.icb_vintage,
        catchment_shares.icb_code,
        catchment_shares.share,
        catchment_sources.attribution_method,
        catchment_sources.catchment_trust_code
    from catchment_sources
    inner join catchment_shares on catchment_sources.catchment_trust_code = catchment_shares.trust_code
),

by_hq_or_none as (
    select
        catchment_sources.period,
        catchment_sources.trust_code,
        vintages.icb_vintage,
        coalesce(trust_icbs.icb_code, care_trust_icbs.icb_code, successor_icbs.icb_code) as icb_code,
        1.0 as share,
        case
            when coalesce(trust_icbs.icb_code, care_trust_icbs.icb_code, successor_icbs.icb_code) is not null
                then 'organisation_hq'
            else 'not_attributed'
        end as attribution_method,
        cast(null as varchar) as catchment_trust_code
    from catchment_sources
    cross join vintages
    left join trust_icbs
        on catchment_sources.trust_code = trust_icbs.trust_code
        and vintages.icb_vintage = trust_icbs.icb_vintage
    left join care_trusts on catchment_sources.trust_code = care_trusts.trust_code
    left join icb_ods_codes as care_trust_icbs
        on care_trusts.icb_ods_code = care_trust_icbs.icb_ods_code
        and vintages.icb_vintage = care_trust_icbs.icb_vintage
    left join trust_successions as hq_successions
        on catchment_sources.trust_code = hq_successions.predecessor_code
    left join trust_icbs as successor_icbs
        on hq_successions.successor_code = successor_icbs.trust_code
        and vintages.icb_vintage = successor_icbs.icb_vintage
    where catchment_sources.catchment_trust_code is null
),

final as (
    select * from by_catchment
    union all by name
    select * from by_hq_or_none
)

select * from final

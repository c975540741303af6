-- HCHS staff FTE attributed to ICBs in every ICB vintage: one row per month, organisation, staff group,
-- nationality group, vintage and ICB. Organisations are resolved in int_nhs_workforce_organisations_resolved:
--   catchment_apportioned: an acute trust's FTE is shared among ICBs by its catchment shares (OHID, 2020
--     admissions; ICB22 from OHID's ICB22 shares, later vintages from its LAD21 shares carried by
--     population). Admissions of patients living outside England fall in no ICB, so a trust's shares can sum
--     to a little under 1; they are renormalised over the English ICBs (each share divided by the trust's
--     sum), which keeps the trust's FTE whole: staff serving patients from elsewhere spread like the rest.
--   organisation_hq: every other trust (and each CCG) wholly in the ICB of its headquarters; an ICB ODS code
--     is carried to each vintage as int_nhs_trusts_icbs_assigned carries trusts' parent ICBs (by ODS code
--     where the vintage has them, else by the ICB holding most of the parent's LSOA21s).
-- An organisation listed as unattributable has no rows here and is counted out of every ICB.

with

staff as (
    select * from {{ ref('stg_nhs_workforce__hchs_staff_fte') }}
),

nationality_groups as (
    select * from {{ ref('nhs_nationality_groups') }}
),

organisations as (
    select * from {{ ref('int_nhs_workforce_organisations_resolved') }}
),

catchments as (
    select * from {{ ref('int_nhs_acute_trust_catchments_apportioned') }}
),

trust_icbs as (
    select * from {{ ref('int_nhs_trusts_icbs_assigned') }}
),

-- an ICB ODS code in each vintage: the same for every trust with that parent, so one row per code and vintage
-- (a test checks)
icb_ods_codes as (
    select distinct
        icb_ods_code,
        icb_vintage,
        icb_code
    from trust_icbs
    where icb_code is not null
),

staff_grouped as (
    select
        staff.source_id,
        staff.period,
        staff.census_date,
        staff.organisation_code,
        staff.staff_group,
        nationality_groups.nationality_group,
        sum(staff.fte) as fte
    from staff
    -- every nationality is in the seed (relationships test on the staging model)
    inner join nationality_groups on staff.nationality = nationality_groups.nationality
    group by all
),

catchment_shares as (
    select
        organisations.organisation_code,
        catchments.icb_vintage,
        catchments.icb_code,
        catchments.admissions_share
        / sum(catchments.admissions_share) over (
            partition by organisations.organisation_code, catchments.icb_vintage
        ) as share,
        'catchment_apportioned' as attribution_method
    from organisations
    inner join catchments on organisations.catchment_trust_code = catchments.trust_code
    where
        organisations.attribution_method = 'catchment_apportioned'
        and organisations.unattributable_reason is null
),

hq_shares as (
    select
        organisations.organisation_code,
        icb_ods_codes.icb_vintage,
        icb_ods_codes.icb_code,
        1.0 as share,
        'organisation_hq' as attribution_method
    from organisations
    inner join icb_ods_codes on organisations.hq_icb_ods_code = icb_ods_codes.icb_ods_code
    where
        organisations.attribution_method = 'organisation_hq'
        and organisations.unattributable_reason is null
),

shares as (
    select * from catchment_shares
    union all
    select * from hq_shares
),

final as (
    select
        staff_grouped.source_id,
        staff_grouped.period,
        staff_grouped.census_date,
        staff_grouped.organisation_code,
        organisations.organisation_kind,
        organisations.current_trust_code,
        staff_grouped.staff_group,
        staff_grouped.nationality_group,
        shares.icb_vintage,
        shares.icb_code,
        shares.attribution_method,
        shares.share,
        staff_grouped.fte * shares.share as fte
    from staff_grouped
    inner join organisations on staff_grouped.organisation_code = organisations.organisation_code
    inner join shares on staff_grouped.organisation_code = shares.organisation_code
)

select * from final

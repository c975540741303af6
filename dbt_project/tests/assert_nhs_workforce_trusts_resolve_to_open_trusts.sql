{{ config(meta={'dagster': {'ref': {'name': 'int_nhs_workforce_fte_icbs_attributed'}}}) }}

-- Every employing organisation of the HCHS workforce file reaches ICBs whole, or the build stops naming it:
--   unresolved      a trust or care trust code that follows to no open trust with a catchment or headquarters
--                   ICB and is not registered as unattributable (with its reason) in nhs_trust_successions;
--   not_conserved   an organisation whose FTE, summed over the ICBs of a vintage, differs from its FTE in the
--                   file (a share missing in one vintage, or shares not summing to 1).

with

organisations as (
    select * from {{ ref('int_nhs_workforce_organisations_resolved') }}
),

staff as (
    select * from {{ ref('stg_nhs_workforce__hchs_staff_fte') }}
),

attributed as (
    select * from {{ ref('int_nhs_workforce_fte_icbs_attributed') }}
),

memberships as (
    select * from {{ ref('int_lsoa21_icb_memberships_unioned') }}
),

vintages as (
    select distinct icb_vintage from memberships
),

organisation_totals as (
    select
        organisation_code,
        period,
        sum(fte) as fte
    from staff
    group by organisation_code, period
),

attributed_totals as (
    select
        organisation_code,
        period,
        icb_vintage,
        sum(fte) as fte
    from attributed
    group by organisation_code, period, icb_vintage
),

unresolved as (
    select
        organisation_code,
        organisation_name,
        cast(null as varchar) as icb_vintage,
        cast(null as varchar) as period,
        'unresolved: ' || unattributable_reason as problem
    from organisations
    where
        organisation_kind <> 'ccg'
        and unattributable_reason is not null
        and not is_registered_unattributable
),

not_conserved as (
    select
        organisations.organisation_code,
        organisations.organisation_name,
        vintages.icb_vintage,
        organisation_totals.period,
        'not_conserved: ' || round(organisation_totals.fte, 5) || ' FTE in the file, '
        || round(coalesce(attributed_totals.fte, 0), 5) || ' over the ICBs' as problem
    from organisation_totals
    inner join organisations on organisation_totals.organisation_code = organisations.organisation_code
    cross join vintages
    left join attributed_totals
        on organisation_totals.organisation_code = attributed_totals.organisation_code
        and organisation_totals.period = attributed_totals.period
        and vintages.icb_vintage = attributed_totals.icb_vintage
    where
        organisations.unattributable_reason is null
        and abs(coalesce(attributed_totals.fte, 0) - organisation_totals.fte)
        > 1e-9 * greatest(organisation_totals.fte, 1)
),

final as (
    select * from unresolved
    union all
    select * from not_conserved
)

select * from final

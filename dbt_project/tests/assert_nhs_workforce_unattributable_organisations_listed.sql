{{ config(severity='warn', meta={'dagster': {'ref': {'name': 'int_nhs_workforce_organisations_resolved'}}}) }}

-- Warning, by design: lists the organisations of the HCHS workforce file whose staff no ICB figure
-- includes, with the reason: trust codes registered as unattributable in nhs_trust_successions and CCGs
-- missing from the CCG -> ICB lookup. None today; an unregistered unresolved trust stops the build instead
-- (assert_nhs_workforce_trusts_resolve_to_open_trusts).

with

organisations as (
    select * from {{ ref('int_nhs_workforce_organisations_resolved') }}
),

final as (
    select
        organisation_code,
        organisation_name,
        organisation_kind,
        unattributable_reason
    from organisations
    where unattributable_reason is not null
)

select * from final

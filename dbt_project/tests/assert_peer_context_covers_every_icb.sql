{{ config(meta={'dagster': {'ref': {'name': 'int_icb_peer_context_values_standardised'}}}) }}

-- Every ICB of every vintage has a z-score for every declared peer variable, built from at least 99% of its
-- population, and every weight is positive: otherwise its distances would silently rest on fewer variables.
-- Returns the failing (ICB, vintage, variable) rows.

with

memberships as (
    select * from {{ ref('int_lsoa21_icb_memberships_unioned') }}
),

variables as (
    select * from {{ ref('peer_context_variables') }}
),

standardised as (
    select * from {{ ref('int_icb_peer_context_values_standardised') }}
),

expected as (
    select distinct
        memberships.icb_code,
        memberships.icb_vintage,
        variables.variable,
        variables.weight
    from memberships
    cross join variables
),

final as (
    select
        expected.icb_code,
        expected.icb_vintage,
        expected.variable,
        expected.weight,
        standardised.z_score,
        standardised.coverage
    from expected
    left join standardised
        on expected.icb_code = standardised.icb_code
        and expected.icb_vintage = standardised.icb_vintage
        and expected.variable = standardised.variable
    where
        standardised.z_score is null
        or standardised.coverage < 0.99
        or not expected.weight > 0
)

select * from final

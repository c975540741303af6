-- The context behind icb_peers: each ICB's raw value, z-score within its vintage and weight for every peer
-- variable, with the variable's definition, so the choice of peers can be checked and re-run.

with

standardised as (
    select * from {{ ref('int_icb_peer_context_values_standardised') }}
),

icbs as (
    select * from {{ ref('icbs') }}
),

final as (
    select
        standardised.icb_code,
        icbs.icb_name,
        standardised.icb_vintage,
        standardised.variable,
        standardised.title,
        standardised.unit,
        standardised.period,
        cast(standardised.value as double) as value,
        cast(standardised.coverage as double) as coverage,
        cast(standardised.z_score as double) as z_score,
        cast(standardised.weight as double) as weight,
        standardised.definition
    from standardised
    inner join icbs
        on standardised.icb_code = icbs.icb_code
        and standardised.icb_vintage = icbs.icb_vintage
)

select * from final

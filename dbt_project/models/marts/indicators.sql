with

registry as (
    select * from {{ ref('indicator_registry') }}
),

final as (
    select
        indicator_id as id,
        title,
        domain,
        levelling_up_mission,
        unit,
        polarity,
        definition,
        numerator_definition,
        denominator_definition,
        aggregation,
        source_id,
        caveats
    from registry
)

select * from final

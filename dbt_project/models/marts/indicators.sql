with

registry as (
    select * from {{ ref('indicator_registry') }}
),

sources as (
    select * from {{ ref('stg_meta__sources') }}
),

final as (
    select
        registry.indicator_id as id,
        registry.title,
        registry.domain,
        registry.theme,
        registry.levelling_up_mission,
        registry.unit,
        registry.polarity,
        registry.definition,
        registry.numerator_definition,
        registry.denominator_definition,
        registry.aggregation,
        registry.ci_method,
        registry.finest_area_type,
        registry.source_id,
        sources.publisher,
        sources.licence,
        sources.cadence,
        sources.next_release,
        sources.landing_page as source_landing_page,
        registry.caveats
    from registry
    left join sources on registry.source_id = sources.source_id
)

select * from final

{{ config(meta={'dagster': {'ref': {'name': 'int_la_indicator_values_unioned'}}}) }}

-- Every indicator the registry maps to a source of the LA pipeline must find figures there: a renamed
-- publisher indicator would otherwise vanish from the baseline without an error.

with

registry as (
    select * from {{ ref('indicator_registry') }}
),

la_values as (
    select * from {{ ref('int_la_indicator_values_unioned') }}
),

final as (
    select
        registry.indicator_id,
        registry.source_id,
        registry.source_indicator_name
    from registry
    where
        registry.source_indicator_name is not null
        and registry.source_id in (select la_values.source_id from la_values)
        and registry.indicator_id not in (select la_values.indicator_id from la_values)
)

select * from final

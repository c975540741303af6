{{ config(meta={'dagster': {'ref': {'name': 'int_la_indicator_values_unioned'}}}) }}

-- Every English local-authority code a source uses must resolve to small areas through the lookups; an
-- unknown code (a new vintage, a re-coding) is an error to resolve, never a silently dropped row.

with

la_values as (
    select distinct
        source_id,
        la_code
    from {{ ref('int_la_indicator_values_unioned') }}
),

memberships as (
    select distinct la_code from {{ ref('int_la_lsoa21_memberships_unioned') }}
),

final as (
    select la_values.*
    from la_values
    left join memberships on la_values.la_code = memberships.la_code
    where memberships.la_code is null
)

select * from final

{{ config(meta={'dagster': {'ref': {'name': 'int_lsoa21_area_memberships_unioned'}}}) }}
-- Every vintage of the registry of areas (areas.yaml) has as many areas as the publisher lists for it
-- in England (expected_areas): a lookup that lost or gained an area fails here, naming the vintage.
-- Rows returned are failures.

with

declared as (
    {{ area_vintages_declared() }}
),

memberships as (
    select * from {{ ref('int_lsoa21_area_memberships_unioned') }}
),

counted as (
    select
        area_vintage,
        count(distinct area_code) as areas
    from memberships
    group by area_vintage
),

final as (
    select
        declared.area_vintage,
        declared.expected_areas,
        counted.areas
    from declared
    left join counted on declared.area_vintage = counted.area_vintage
    where declared.expected_areas is not null and counted.areas is distinct from declared.expected_areas
)

select * from final

{{ config(meta={'dagster': {'ref': {'name': 'area_indicators'}}}) }}
-- Every indicator reaches only the area types its registry row makes honest (indicator_registry
-- finest_area_type), read against what each area type takes (areas.yaml la_figures): an indicator declared
-- down to a type no local-authority figure reaches (MSOAs) is a small-area sum and may reach every type; one
-- declared down to a council tier is a local-authority figure and may reach only types that take LA figures
-- (never a neighbourhood); one declared for ICBs exists for ICBs only. A finest_area_type the registry of
-- areas does not declare fails too. Rows returned are failures.

with

declared_types as (
    {%- for vintage in var('area_vintages') %}
        select
            '{{ vintage.area_type }}' as area_type,
            '{{ vintage.la_figures }}' as la_figures
        union all
    {%- endfor %}
    -- closes the union (and keeps the CTE typed)
    select
        cast(null as varchar) as area_type,
        cast(null as varchar) as la_figures
    where false
),

area_types as (
    select distinct
        area_type,
        la_figures
    from declared_types
),

registry as (
    select * from {{ ref('indicator_registry') }}
),

reached as (
    select distinct
        indicator_id,
        area_type
    from {{ ref('area_indicators') }}
    where value is not null
),

too_fine as (
    select
        reached.indicator_id,
        reached.area_type,
        registry.finest_area_type
    from reached
    inner join registry on reached.indicator_id = registry.indicator_id
    inner join area_types as finest on registry.finest_area_type = finest.area_type
    inner join area_types as reached_type on reached.area_type = reached_type.area_type
    where
        case finest.la_figures
            when 'none' then false
            when 'published' then reached_type.la_figures = 'none'
            else reached.area_type != registry.finest_area_type
        end
),

undeclared as (
    select
        registry.indicator_id,
        cast(null as varchar) as area_type,
        registry.finest_area_type
    from registry
    left join area_types on registry.finest_area_type = area_types.area_type
    where area_types.area_type is null
),

final as (
    select * from too_fine
    union all
    select * from undeclared
)

select * from final

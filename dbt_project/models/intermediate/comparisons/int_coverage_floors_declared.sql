-- The coverage floors declared once in dbt_project.yml (vars coverage_floor_display, coverage_floor_compare),
-- as a table, so the publication gate (expectations/marts_coverage_floor.yml) checks against the same numbers
-- the models applied rather than a copy.

with

final as (
    select
        cast({{ var('coverage_floor_display') }} as double) as display_floor,
        cast({{ var('coverage_floor_compare') }} as double) as compare_floor
)

select * from final

-- Local-authority sources' own figures for the areas they are published for: every area of a type whose
-- codes are local authority codes (areas.yaml, la_figures: published; districts, upper-tier councils) gets
-- the publisher's value, interval and counts unchanged (method published_la), matched on its code. Nothing
-- is apportioned here: an LA figure is never copied onto a smaller area.

{%- set la_area_types = var('area_vintages')
    | selectattr('la_figures', 'equalto', 'published')
    | map(attribute='area_vintage')
    | list %}

with

la_figures as (
    select * from {{ ref('int_la_indicator_values_unioned') }}
),

memberships as (
    select * from {{ ref('int_lsoa21_area_memberships_unioned') }}
),

la_areas as (
    select distinct
        area_type,
        area_vintage,
        area_code
    from memberships
    where area_vintage in ('{{ la_area_types | join("', '") }}')
),

final as (
    select
        la_areas.area_type,
        la_areas.area_vintage,
        la_areas.area_code,
        la_figures.indicator_id,
        la_figures.period,
        la_figures.period_start,
        la_figures.value,
        la_figures.lower_ci_95 as lower_ci,
        la_figures.upper_ci_95 as upper_ci,
        la_figures.numerator,
        la_figures.denominator,
        la_figures.value_status,
        'published_la' as method,
        la_figures.source_id,
        1.0 as coverage
    from la_areas
    inner join la_figures on la_areas.area_code = la_figures.la_code
)

select * from final

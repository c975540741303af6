{% set source_id = 'ons_health_index_lad21_domains' %}
-- ONS Health Index overall and domain scores by lower-tier local authority (2021 codes), in the Explore Local
-- Statistics staging layout (macro els_staging) so the registry-driven LA pipeline can take them. Rename and
-- cast only: the file is wide (one column per score) and becomes one row per authority, score and year. The
-- file carries no area names.

with

source as (
    select * from {{ source('ons_health_index', 'ons_health_index_lad21_domains') }}
),

scores as (
    select
        ltla21_code,
        year,
        'Health Index overall score' as measure,
        overall_score as score
    from source
    union all
    select
        ltla21_code,
        year,
        'Healthy People domain score' as measure,
        healthy_people_domain_score as score
    from source
    union all
    select
        ltla21_code,
        year,
        'Healthy Lives domain score' as measure,
        healthy_lives_domain_score as score
    from source
    union all
    select
        ltla21_code,
        year,
        'Healthy Places domain score' as measure,
        healthy_places_domain_score as score
    from source
),

final as (
    select
        '{{ source_id }}' as source_id,
        ltla21_code as area_code,
        cast(null as varchar) as area_name,
        'Lower tier local authority (2021)' as area_geography,
        measure as indicator_name,
        year as period_published,
        {{ period_label('year') }} as period,
        {{ period_start('year') }} as period_start,
        {{ to_number('score') }} as value,
        cast(null as double) as lower_ci_95,
        cast(null as double) as upper_ci_95,
        'Index (England 2015 = 100)' as unit,
        {{ value_status('score', source_id) }} as value_status
    from scores
)

select * from final

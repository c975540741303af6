{% set source_id = 'ons_health_index_icb22_domains' %}
-- ONS Health Index overall and domain scores as ONS published them for the July 2022 ICBs. Rename and cast
-- only: one row per ICB, score and year. Measure names are those of the LAD21 file
-- (stg_ons_health_index__lad21_scores), so both map to the same registry indicators.

with

source as (
    select * from {{ source('ons_health_index', 'ons_health_index_icb22_domains') }}
),

scores as (
    select
        icb22_code,
        icb22_name,
        year,
        'Health Index overall score' as measure,
        overall_score as score
    from source
    union all
    select
        icb22_code,
        icb22_name,
        year,
        'Healthy People domain score' as measure,
        healthy_people_domain as score
    from source
    union all
    select
        icb22_code,
        icb22_name,
        year,
        'Healthy Lives domain score' as measure,
        healthy_lives_domain as score
    from source
    union all
    select
        icb22_code,
        icb22_name,
        year,
        'Healthy Places domain score' as measure,
        healthy_places_domain as score
    from source
),

final as (
    select
        '{{ source_id }}' as source_id,
        icb22_code,
        icb22_name,
        measure as indicator_name,
        year as period_published,
        {{ period_label('year') }} as period,
        {{ period_start('year') }} as period_start,
        {{ to_number('score') }} as value,
        {{ value_status('score', source_id) }} as value_status
    from scores
)

select * from final

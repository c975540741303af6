{#-
    Staging body shared by every ONS Explore Local Statistics indicator file: they have one tidy layout
    (area x indicator x period, value, 95% CI, status), so each stg_ons_els__* model is this macro over its own
    source. Rename and cast only; the publisher's status wins over the value text: x = not available,
    u = low reliability (value kept, flagged).
-#}
{% macro els_staging(source_table) -%}
with

source as (
    select * from {{ source('ons_els', source_table) }}
),

renamed as (
    select
        '{{ source_table }}' as source_id,
        area_code,
        area_name,
        geography as area_geography,
        indicator as indicator_name,
        period as period_published,
        {{ period_label('period') }} as period,
        {{ period_start('period') }} as period_start,
        {{ to_number('observation') }} as value,
        {{ to_number('lower_ci_95') }} as lower_ci_95,
        {{ to_number('upper_ci_95') }} as upper_ci_95,
        unit,
        case
            when lower(trim(status)) = 'x' then 'suppressed'
            when lower(trim(status)) = 'u' and {{ to_number('observation') }} is not null then 'low_reliability'
            else {{ value_status('observation', source_table) }}
        end as value_status
    from source
)

select * from renamed
{%- endmacro %}

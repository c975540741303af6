{#-
    OHID Fingertips conventions. Periods: "2015 - 17" (a 3-year period, as Trafford Data Lab writes it) is
    labelled "2015-2017" like Explore Local Statistics periods; "2022/23" is a financial year (QOF years run April
    to March) and stays "2022/23"; plain years and anything else go through period_label.
-#}
{% macro fingertips_period_label(period) -%}
    case
        when regexp_matches({{ period }}, '^\d{4} ?- ?\d{2}$')
            then left({{ period }}, 4) || '-'
            || cast(
                cast(left({{ period }}, 4) as integer)
                + (cast(right({{ period }}, 2) as integer) - cast(left({{ period }}, 4) as integer) % 100 + 100) % 100
                as varchar
            )
        when regexp_matches({{ period }}, '^\d{4}/\d{2}$') then {{ period }}
        else {{ period_label(period) }}
    end
{%- endmacro %}

{% macro fingertips_period_start(period) -%}
    case
        when regexp_matches({{ period }}, '^\d{4} ?- ?\d{2}$') then make_date(cast(left({{ period }}, 4) as integer), 1, 1)
        when regexp_matches({{ period }}, '^\d{4}/\d{2}$') then make_date(cast(left({{ period }}, 4) as integer), 4, 1)
        else {{ period_start(period) }}
    end
{%- endmacro %}

{#-
    Fingertips writes NHS area codes with an "n" prefix ("nE54000027" for an ICB, "nE38000246" for a sub-ICB
    location). The published code is kept as is; this gives the ONS (GSS) code beside it, or NULL for codes that
    are not GSS codes (GP practices, ONS area classification groups). Whether the result is a real code of the
    right vintage is checked against the lookups downstream, never assumed.
-#}
{% macro fingertips_ons_code(code) -%}
    case
        when regexp_matches({{ code }}, '^n?[EKNSW]\d{8}$') then regexp_replace({{ code }}, '^n', '')
    end
{%- endmacro %}

{#-
    Staging body for a Fingertips "Export data" / all_data CSV (one row per indicator x area x area type x period
    x sex x age x breakdown category). Rename and cast only; a blank Value is missing (suppressed when the Value
    note says so), and a value the publisher flags with a data quality note is kept and marked low_reliability.
-#}
{% macro fingertips_export_staging(source_name, source_table) -%}
with

source as (
    select * from {{ source(source_name, source_table) }}
),

final as (
    select
        '{{ source_table }}' as source_id,
        cast(indicator_id as integer) as fingertips_indicator_id,
        indicator_name,
        area_code as fingertips_area_code,
        {{ fingertips_ons_code('area_code') }} as area_code,
        area_name,
        area_type,
        parent_code as fingertips_parent_code,
        {{ fingertips_ons_code('parent_code') }} as parent_code,
        parent_name,
        sex,
        age,
        category_type,
        category,
        time_period as period_published,
        {{ fingertips_period_label('time_period') }} as period,
        {{ fingertips_period_start('time_period') }} as period_start,
        {{ to_number('value') }} as value,
        {{ to_number('lower_ci_95') }} as lower_ci_95,
        {{ to_number('upper_ci_95') }} as upper_ci_95,
        {{ to_number('numerator') }} as numerator,
        {{ to_number('denominator') }} as denominator,
        value_note,
        case
            when
                {{ to_number('value') }} is not null and value_note ilike '%data quality issue%'
                then 'low_reliability'
            when value is null and value_note ilike '%suppress%' then 'suppressed'
            else {{ value_status('value', source_table) }}
        end as value_status
    from source
)

select * from final
{%- endmacro %}

{#-
    Staging body for the Trafford Data Lab reshaping of a Fingertips indicator (trafford_themes data/health):
    area x period x sex rows with one value and no interval. Output has exactly the Explore Local Statistics
    staging columns (macro els_staging), so the registry-driven LA pipeline can take it; indicator_name is
    "<indicator>|<sex>" (the reshaping puts the sex in its `inequality` column). R's NA is a missing value.
-#}
{% macro trafford_fingertips_staging(source_name, source_table) -%}
with

source as (
    select * from {{ source(source_name, source_table) }}
),

final as (
    select
        '{{ source_table }}' as source_id,
        area_code,
        area_name,
        area_type as area_geography,
        indicator || '|' || inequality as indicator_name,
        period as period_published,
        {{ fingertips_period_label('period') }} as period,
        {{ fingertips_period_start('period') }} as period_start,
        {{ to_number('value') }} as value,
        cast(null as double) as lower_ci_95,
        cast(null as double) as upper_ci_95,
        unit,
        case
            when trim(value) = 'NA' then 'missing'
            else {{ value_status('value', source_table) }}
        end as value_status
    from source
)

select * from final
{%- endmacro %}

{#-
    ONS Explore Local Statistics writes periods as ISO 8601 intervals ("2023-01-01/P1Y", "2020-01-01/P3Y") or
    plain years. Label calendar-year periods as "2023" or "2020-2022"; keep anything else as published.
-#}
{% macro period_label(period) -%}
    case
        when regexp_matches({{ period }}, '^\d{4}$') then {{ period }}
        when regexp_matches({{ period }}, '^\d{4}-01-01/P1Y$') then left({{ period }}, 4)
        when regexp_matches({{ period }}, '^\d{4}-01-01/P\dY$')
            then left({{ period }}, 4) || '-'
            || cast(cast(left({{ period }}, 4) as integer) + cast(regexp_extract({{ period }}, 'P(\d)Y', 1) as integer) - 1 as varchar)
        else {{ period }}
    end
{%- endmacro %}

{% macro period_start(period) -%}
    case
        when regexp_matches({{ period }}, '^\d{4}$') then make_date(cast({{ period }} as integer), 1, 1)
        else try_cast(left({{ period }}, 10) as date)
    end
{%- endmacro %}

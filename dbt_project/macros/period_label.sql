{#-
    Explore Local Statistics writes periods as ISO 8601 intervals ("2023-01-01/P1Y", "2020-01-01/P3Y",
    "2022-04-01/P1Y"), dates ("2025-04-30") or plain years. Label them as analysts read them: calendar years
    "2023", multi-year periods "2020-2022", years starting in another month (financial, academic) "2022/23",
    and point-in-time dates by their year. Anything else is kept as published.
-#}
{% macro period_label(period) -%}
    case
        when regexp_matches({{ period }}, '^\d{4}$') then {{ period }}
        when regexp_matches({{ period }}, '^\d{4}-01-01/P1Y$') then left({{ period }}, 4)
        when regexp_matches({{ period }}, '^\d{4}-01-01/P\d+Y$')
            then left({{ period }}, 4) || '-'
            || cast(
                cast(left({{ period }}, 4) as integer)
                + cast(regexp_extract({{ period }}, 'P(\d+)Y', 1) as integer) - 1 as varchar
            )
        when regexp_matches({{ period }}, '^\d{4}-\d{2}-\d{2}/P1Y$')
            then left({{ period }}, 4) || '/'
            || right(cast(cast(left({{ period }}, 4) as integer) + 1 as varchar), 2)
        when regexp_matches({{ period }}, '^\d{4}-\d{2}-\d{2}$') then left({{ period }}, 4)
        else {{ period }}
    end
{%- endmacro %}

{% macro period_start(period) -%}
    case
        when regexp_matches({{ period }}, '^\d{4}$') then make_date(cast({{ period }} as integer), 1, 1)
        else try_cast(left({{ period }}, 10) as date)
    end
{%- endmacro %}

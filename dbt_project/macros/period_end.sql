{#-
    The last day a period covers, from the publisher's text, its label and first day (see period_label): a
    date ("2025-04-30", a point in time) is that day; an ISO interval "2022-01-01/P3Y" ends the day before
    start + 3 years; a year "2023" or a span "2020-2022" ends on 31 December of its last year; a split year
    "2022/23" ends a year after it starts, or, where the publisher gave only the years (start on 1 January), on
    31 March of its second year (UK financial years). Freshness is judged from this day.
-#}
{% macro period_end(published, label, start) -%}
    case
        when regexp_matches({{ published }}, '^\d{4}-\d{2}-\d{2}$') then cast({{ published }} as date)
        when regexp_matches({{ published }}, '^\d{4}-\d{2}-\d{2}/P\d+Y$')
            then cast(
                cast(left({{ published }}, 10) as date)
                + to_years(cast(regexp_extract({{ published }}, 'P(\d+)Y', 1) as integer))
                - interval 1 day as date
            )
        when regexp_matches({{ label }}, '^\d{4}$') then make_date(cast({{ label }} as integer), 12, 31)
        when regexp_matches({{ label }}, '^\d{4}-\d{4}$') then make_date(cast(right({{ label }}, 4) as integer), 12, 31)
        when regexp_matches({{ label }}, '^\d{4}/\d{2}$') and month({{ start }}) = 1 and day({{ start }}) = 1
            then make_date(cast(left({{ label }}, 4) as integer) + 1, 3, 31)
        when regexp_matches({{ label }}, '^\d{4}/\d{2}$') then cast({{ start }} + interval 1 year - interval 1 day as date)
        else {{ start }}
    end
{%- endmacro %}

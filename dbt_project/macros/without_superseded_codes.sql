{#-
    Rows of `relation` (a CTE of local-authority figures) minus those whose code was superseded by another code
    listed for the same indicator and period (int_la_code_overlaps_derived, imported as the CTE
    `code_overlaps`): publishers sometimes list a district and the unitary that replaced it, a code and its
    re-issue, or a county and its districts side by side, and each small area must count once. With
    `figure_column`, a row with a figure gives way only to a superseding row that has one too: a unitary
    listed as "x" for the years before it existed must not hide its predecessors' published figures.
-#}
{% macro without_superseded_codes(relation, code_column, figure_column=none) -%}
    select {{ relation }}.*
    from {{ relation }}
    where not exists (
        select code_overlaps.la_code
        from code_overlaps
        inner join {{ relation }} as newer
            on code_overlaps.superseded_by = newer.{{ code_column }}
        where
            code_overlaps.la_code = {{ relation }}.{{ code_column }}
            and newer.indicator_id = {{ relation }}.indicator_id
            and newer.period = {{ relation }}.period
            {%- if figure_column %}
            and (newer.{{ figure_column }} is not null or {{ relation }}.{{ figure_column }} is null)
            {%- endif %}
    )
{%- endmacro %}

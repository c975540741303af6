{#-
    Rows of `relation` (a CTE of local-authority figures) minus those whose code was superseded by another code
    listed for the same indicator and period (int_la_code_overlaps_derived, imported as the CTE
    `code_overlaps`): publishers sometimes list a district and the unitary that replaced it, or a code and its
    re-issue, side by side, and each small area must count once.
-#}
{% macro without_superseded_codes(relation, code_column) -%}
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
    )
{%- endmacro %}

{#- Sum of a single-year-of-age file's columns from `low` to `high`; high = none means "and over" (incl. 90+). -#}
{% macro sum_of_ages(low, high=none) -%}
    {%- set last = 89 if high is none else high -%}
    {%- for age in range(low, last + 1) -%}
        cast("{{ age }}" as integer){% if not loop.last %} + {% endif %}
    {%- endfor -%}
    {%- if high is none %} + cast("90+" as integer){% endif -%}
{%- endmacro %}


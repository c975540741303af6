{#-
    The vintages of the registry of areas (areas.yaml, the variable `area_vintages`) as rows: area_type,
    area_vintage, code_pattern and expected_areas (NULL where the registry declares none), for the tests that
    check the memberships against the registry.
-#}
{% macro area_vintages_declared() -%}
    {%- for vintage in var('area_vintages') %}
        select
            '{{ vintage.area_type }}' as area_type,
            '{{ vintage.area_vintage }}' as area_vintage,
            '{{ vintage.code_pattern }}' as code_pattern,
            {{ vintage.expected_areas or 'null' }} as expected_areas
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
{%- endmacro %}

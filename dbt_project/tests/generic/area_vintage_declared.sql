{#-
    Every value of the column is a vintage the registry of areas (areas.yaml, the variable `area_vintages`)
    declares for `area_type`, or with boundaries=true the publisher's vintage of one of its boundary files; `also`
    adds values that are not the registry's (the NHS region and district boundary files). Replaces lists of
    vintages written into the models' YAML, so a new vintage is a registry row. Returns the undeclared values.
-#}
{% test area_vintage_declared(model, column_name, area_type, boundaries=false, also=[]) %}
{%- set declared = [] %}
{%- for vintage in var('area_vintages') if vintage.area_type == area_type %}
    {%- if not boundaries %}
        {%- do declared.append(vintage.area_vintage) %}
    {%- elif vintage.boundaries and vintage.boundaries.file %}
        {%- do declared.append(vintage.boundaries.file.vintage) %}
    {%- endif %}
{%- endfor %}
{%- do declared.extend(also) %}

select
    {{ column_name }} as undeclared_value,
    count(*) as rows_with_it
from {{ model }}
where
    {{ column_name }} is not null
    {%- if declared %}
    and {{ column_name }} not in ({% for value in declared | unique %}'{{ value }}'{{ ', ' if not loop.last }}{% endfor %})
    {%- endif %}
group by 1

{% endtest %}

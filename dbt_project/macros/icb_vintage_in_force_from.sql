{#-
    The date an ICB vintage of the registry of areas (areas.yaml) came into force, as a SQL expression on the
    vintage column given (NULL for a vintage without one), so models order vintages by the registry, not by name.
-#}
{% macro icb_vintage_in_force_from(vintage_column) -%}
    case {{ vintage_column }}
    {%- for vintage in var('area_vintages') if vintage.area_type == 'icb' and vintage.in_force_from %}
        when '{{ vintage.area_vintage }}' then date '{{ vintage.in_force_from }}'
    {%- endfor %}
        else cast(null as date)
    end
{%- endmacro %}

{#-
    Publishers mark missing or withheld figures with text (x, [c], .., :, u, z, null, blank). Those must become NULL
    with a status, never 0. The markers come from sources.yaml (per source, else the registry default) through the
    `suppression_markers` var, so the registry is the one list.
-#}

{% macro _markers_for(source_id) -%}
    {%- set markers = var('suppression_markers', {}) -%}
    {%- set chosen = markers.get(source_id, markers.get('_default', [])) -%}
    {%- if chosen | length == 0 -%}
        {%- if execute -%}
            {{ exceptions.raise_compiler_error("var suppression_markers is empty: run dbt through the pipeline, which passes the markers from sources.yaml") }}
        {%- endif -%}('')
    {%- else -%}({% for m in chosen %}'{{ m | lower | replace("'", "''") }}'{% if not loop.last %}, {% endif %}{% endfor %})
    {%- endif -%}
{%- endmacro %}

{#- The figure as a double, NULL for blanks, markers and anything that is not a number. -#}
{% macro to_number(column) -%}
    try_cast(replace(trim({{ column }}), ',', '') as double)
{%- endmacro %}

{#- ok | missing (blank) | suppressed (a publisher marker) | invalid (text that is neither: a parsing problem). -#}
{% macro value_status(column, source_id) -%}
    case
        when {{ column }} is null or trim({{ column }}) = '' then 'missing'
        when lower(trim({{ column }})) in {{ _markers_for(source_id) }} then 'suppressed'
        when {{ to_number(column) }} is null then 'invalid'
        else 'ok'
    end
{%- endmacro %}

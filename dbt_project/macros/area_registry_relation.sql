{#-
    The raw table of a source the registry of areas (areas.yaml) names: its lookups and boundary files are read
    from here, not through a dbt source entry, so a new boundary vintage is a sources.yaml entry and a registry
    row with no dbt file to edit. The registry has checked the source and its columns against sources.yaml; a
    model calling this declares `meta: {area_registry_sources: [membership | boundaries]}`, and the pipeline
    makes those raw assets its upstream (pipelines/defs/transform/dbt.py, IcsBaselineTranslator).
-#}
{% macro area_registry_relation(source_id) -%}
    {{- return(api.Relation.create(database=target.database, schema='raw', identifier=source_id)) -}}
{%- endmacro %}

-- Every England LSOA21 in exactly one area of each vintage of the registry of areas (areas.yaml) that is
-- made from lookups (every kind but NHS regions, which are assigned to ICBs by models reading the ICBs
-- from here). The SQL is written by the macro from the registry, so a new boundary vintage is a registry
-- row.
{{ config(meta={'area_registry_sources': ['membership']}) }}

{{ area_lsoa21_memberships('listed') }}

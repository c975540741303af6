-- Every England LSOA21 in exactly one area of each area type and vintage of the registry of areas
-- (areas.yaml): the listed memberships and the NHS regions the ICBs are assigned to, written by the macro
-- from the registry, so a new boundary vintage is a registry row.
{{ area_lsoa21_memberships('regions') }}

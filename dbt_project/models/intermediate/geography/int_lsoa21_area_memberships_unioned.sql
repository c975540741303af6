-- Every England LSOA21 in exactly one area of each area type and vintage of the registry of areas
-- (areas.yaml): the listed memberships and the NHS regions the ICBs are assigned to, written by the macro
-- from the registry, so a new boundary vintage is a registry row. A user's custom areas (build --areas)
-- join here, after the ICB models have read theirs from int_lsoa21_area_memberships_listed, so no ICB
-- membership sees them and a changed areas file rebuilds only what reads the area memberships.

with

registry_memberships as (
    {{ area_lsoa21_memberships('regions') | indent(4) }}
),

custom_memberships as (
    select * from {{ ref('stg_custom_areas__lsoa21_memberships') }}
),

final as (
    select * from registry_memberships
    union all by name
    select * from custom_memberships
)

select * from final

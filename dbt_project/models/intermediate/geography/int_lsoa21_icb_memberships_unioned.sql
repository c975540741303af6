-- Every England LSOA21 in exactly one ICB per vintage: the ICB vintages of the registry of areas
-- (areas.yaml), so a new ICB vintage reaches every ICB model from its registry row. LSOA21s nest in ICBs
-- from 2023; the July 2022 ICBs were defined on LSOA11s, so ICB22 membership comes through the exact-fit
-- lookup (it is unique in practice, and the basis column says when a majority rule had to decide).

with

memberships as (
    select * from {{ ref('int_lsoa21_area_memberships_listed') }}
),

final as (
    select
        lsoa21_code,
        area_code as icb_code,
        area_name as icb_name,
        area_vintage as icb_vintage,
        membership_basis
    from memberships
    -- 'icb' is the registry's id of the integrated care boards
    where area_type = 'icb'
)

select * from final

-- The ICB slice of int_lsoa11_area_memberships_derived: where each LSOA11 lies in each ICB vintage, as a
-- share (1 when the LSOA11 sits wholly in one ICB), made the same way as for every other area type.

with

area_memberships as (
    select * from {{ ref('int_lsoa11_area_memberships_derived') }}
),

final as (
    select
        lsoa11_code,
        area_code as icb_code,
        area_vintage as icb_vintage,
        lsoa11_share
    from area_memberships
    -- 'icb' is the registry's id of the integrated care boards
    where area_type = 'icb'
)

select * from final

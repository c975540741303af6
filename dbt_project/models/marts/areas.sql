-- Every area of every type and vintage in the registry of areas, once per ICB vintage and ICB it overlaps
-- (int_area_icb_overlaps_measured).

with

area_overlaps as (
    select * from {{ ref('int_area_icb_overlaps_measured') }}
),

final as (
    select * from area_overlaps
)

select * from final

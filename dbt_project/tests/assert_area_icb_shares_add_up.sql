-- In the areas mart, the shares of an area's residents in the ICBs of one vintage add up to 1 (every
-- resident is in some ICB), and the areas of each vintage of the registry share out every ICB's residents
-- exactly once (a user's custom areas need not cover England). Rows returned are failures.

with

areas as (
    select * from {{ ref('areas') }}
),

declared as (
    {{ area_vintages_declared() }}
),

by_area as (
    select
        area_vintage,
        area_code,
        icb_vintage,
        sum(share_of_area_residents_in_icb) as total_share
    from areas
    group by all
    having abs(total_share - 1) > 1e-9
),

by_icb as (
    select
        area_vintage,
        icb_vintage,
        icb_code,
        sum(share_of_icb_residents_in_area) as total_share
    from areas
    where area_vintage in (select declared.area_vintage from declared)
    group by all
    having abs(total_share - 1) > 1e-9
),

final as (
    select
        'area' as failing,
        area_vintage,
        area_code as code,
        icb_vintage,
        total_share
    from by_area
    union all
    select
        'icb' as failing,
        area_vintage,
        icb_code as code,
        icb_vintage,
        total_share
    from by_icb
)

select * from final

-- The groups every ICB is compared with, as lists of member ICBs of one vintage: England (all ICBs) and the
-- ICB's NHS region. Comparator values are then built from the members' figures with each indicator's own
-- rule, so a group value is what one ICB covering the group's ground would show.

with

icbs as (
    select * from {{ ref('icbs') }}
),

england as (
    select
        'england' as group_type,
        'E92000001' as group_code,
        'England' as group_name,
        icb_vintage,
        icb_code as member_icb_code
    from icbs
),

nhs_regions as (
    select
        'nhs_region' as group_type,
        nhs_region_code as group_code,
        nhs_region_name as group_name,
        icb_vintage,
        icb_code as member_icb_code
    from icbs
    where nhs_region_code is not null
),

final as (
    select * from england
    union all
    select * from nhs_regions
)

select * from final

-- What every area is compared with. An ICB is compared within its own vintage: England and its NHS region
-- read in that vintage, its peer group, no parent. Any other area is compared in the ICB vintage in force
-- when the build runs (var comparison_icb_vintage, from areas.yaml): England in that vintage; its parent ICB
-- is the ICB holding most of its 2021 residents and its region the region holding most of them, each named
-- only when it holds more than half (England, a region or a place shared evenly between ICBs has no parent).
-- Shares come from the LSOA21s the area and the ICB have in common, so they are exact.

with

area_overlaps as (
    select * from {{ ref('int_area_icb_overlaps_measured') }}
),

icbs as (
    select * from {{ ref('icbs') }}
),

-- 'icb' is the registry's id of the integrated care boards
icb_contexts as (
    select
        'icb' as area_type,
        icb_vintage as area_vintage,
        icb_code as area_code,
        icb_vintage as comparator_vintage,
        nhs_region_code,
        nhs_region_name,
        icb_code as peer_group_code,
        cast(null as varchar) as parent_icb_vintage,
        cast(null as varchar) as parent_icb_code,
        cast(null as varchar) as parent_icb_name,
        cast(null as double) as parent_icb_share_of_area_residents
    from icbs
),

other_overlaps as (
    select
        area_overlaps.area_type,
        area_overlaps.area_vintage,
        area_overlaps.area_code,
        area_overlaps.icb_vintage,
        area_overlaps.icb_code,
        area_overlaps.icb_name,
        area_overlaps.share_of_area_residents_in_icb,
        icbs.nhs_region_code,
        icbs.nhs_region_name
    from area_overlaps
    inner join icbs
        on area_overlaps.icb_vintage = icbs.icb_vintage
        and area_overlaps.icb_code = icbs.icb_code
    where
        area_overlaps.area_type != 'icb'
        and area_overlaps.icb_vintage = '{{ var("comparison_icb_vintage") }}'
),

largest_icbs as (
    select
        area_type,
        area_vintage,
        area_code,
        icb_vintage,
        icb_code,
        icb_name,
        share_of_area_residents_in_icb
    from other_overlaps
    qualify row_number() over (
        partition by area_type, area_vintage, area_code
        order by share_of_area_residents_in_icb desc, icb_code asc
    ) = 1
),

largest_regions as (
    select
        area_type,
        area_vintage,
        area_code,
        nhs_region_code,
        any_value(nhs_region_name) as nhs_region_name,
        sum(share_of_area_residents_in_icb) as share_of_area_residents_in_region
    from other_overlaps
    group by area_type, area_vintage, area_code, nhs_region_code
    qualify row_number() over (
        partition by area_type, area_vintage, area_code
        order by sum(share_of_area_residents_in_icb) desc, nhs_region_code asc
    ) = 1
),

other_contexts as (
    select
        largest_icbs.area_type,
        largest_icbs.area_vintage,
        largest_icbs.area_code,
        largest_icbs.icb_vintage as comparator_vintage,
        case
            when largest_regions.share_of_area_residents_in_region > 0.5 then largest_regions.nhs_region_code
        end as nhs_region_code,
        case
            when largest_regions.share_of_area_residents_in_region > 0.5 then largest_regions.nhs_region_name
        end as nhs_region_name,
        cast(null as varchar) as peer_group_code,
        largest_icbs.icb_vintage as parent_icb_vintage,
        case when largest_icbs.share_of_area_residents_in_icb > 0.5 then largest_icbs.icb_code end
            as parent_icb_code,
        case when largest_icbs.share_of_area_residents_in_icb > 0.5 then largest_icbs.icb_name end
            as parent_icb_name,
        case
            when largest_icbs.share_of_area_residents_in_icb > 0.5
                then largest_icbs.share_of_area_residents_in_icb
        end as parent_icb_share_of_area_residents
    from largest_icbs
    inner join largest_regions
        on largest_icbs.area_type = largest_regions.area_type
        and largest_icbs.area_vintage = largest_regions.area_vintage
        and largest_icbs.area_code = largest_regions.area_code
),

final as (
    select * from icb_contexts
    union all
    select * from other_contexts
)

select * from final

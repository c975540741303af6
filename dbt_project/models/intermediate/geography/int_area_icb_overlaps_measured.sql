-- Every area of every type and vintage in the registry of areas, once per ICB vintage and ICB it overlaps:
-- a place split between ICBs has a row for each, with the share of its 2021 residents in that ICB and the
-- share of the ICB's residents in it (both from the LSOA21s the two have in common, so they are exact).

with

memberships as (
    select * from {{ ref('int_lsoa21_area_memberships_unioned') }}
),

residents as (
    select
        lsoa21_code,
        usual_residents_2021
    from {{ ref('int_lsoa21_populations_joined') }}
),

-- 'icb' is the registry's id of the integrated care boards, the area type every other is set beside
icb_memberships as (
    select
        lsoa21_code,
        area_vintage as icb_vintage,
        area_code as icb_code,
        area_name as icb_name
    from memberships
    where area_type = 'icb'
),

areas_measured as (
    select
        memberships.area_type,
        memberships.area_vintage,
        memberships.area_code,
        min(memberships.area_name) as area_name,
        min(memberships.membership_basis) as membership_basis,
        cast(count(*) as integer) as lsoa21_count,
        cast(sum(residents.usual_residents_2021) as bigint) as usual_residents_2021
    from memberships
    inner join residents on memberships.lsoa21_code = residents.lsoa21_code
    group by all
),

icbs_measured as (
    select
        icb_memberships.icb_vintage,
        icb_memberships.icb_code,
        sum(residents.usual_residents_2021) as icb_usual_residents_2021
    from icb_memberships
    inner join residents on icb_memberships.lsoa21_code = residents.lsoa21_code
    group by all
),

icb_overlaps as (
    select
        memberships.area_type,
        memberships.area_vintage,
        memberships.area_code,
        icb_memberships.icb_vintage,
        icb_memberships.icb_code,
        min(icb_memberships.icb_name) as icb_name,
        cast(count(*) as integer) as lsoa21_count_in_icb,
        cast(sum(residents.usual_residents_2021) as bigint) as usual_residents_2021_in_icb
    from memberships
    inner join icb_memberships on memberships.lsoa21_code = icb_memberships.lsoa21_code
    inner join residents on memberships.lsoa21_code = residents.lsoa21_code
    group by all
),

final as (
    select
        areas_measured.area_type,
        areas_measured.area_code,
        areas_measured.area_name,
        areas_measured.area_vintage,
        areas_measured.membership_basis,
        areas_measured.lsoa21_count,
        areas_measured.usual_residents_2021,
        icb_overlaps.icb_vintage,
        icb_overlaps.icb_code,
        icb_overlaps.icb_name,
        icb_overlaps.lsoa21_count_in_icb,
        icb_overlaps.usual_residents_2021_in_icb,
        icb_overlaps.usual_residents_2021_in_icb / areas_measured.usual_residents_2021
            as share_of_area_residents_in_icb,
        icb_overlaps.usual_residents_2021_in_icb / icbs_measured.icb_usual_residents_2021
            as share_of_icb_residents_in_area,
        count(*) over (
            partition by
                areas_measured.area_type, areas_measured.area_vintage, areas_measured.area_code,
                icb_overlaps.icb_vintage
        ) > 1 as is_split_across_icbs
    from areas_measured
    inner join icb_overlaps
        on
        areas_measured.area_type = icb_overlaps.area_type
        and areas_measured.area_vintage = icb_overlaps.area_vintage
        and areas_measured.area_code = icb_overlaps.area_code
    inner join icbs_measured
        on icb_overlaps.icb_vintage = icbs_measured.icb_vintage
        and icb_overlaps.icb_code = icbs_measured.icb_code
)

select * from final

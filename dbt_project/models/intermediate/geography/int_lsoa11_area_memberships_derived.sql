-- Where each English LSOA11 lies in each area of every vintage of the registry of areas (areas.yaml), as a
-- share: 1 when the LSOA11 sits wholly in one area. Lets sources on 2011 LSOAs (IoD2019, mid-2020 estimates,
-- fuel poverty 2020) be summed on any area without copying values between areas. Vintages drawn on LSOA11s
-- (lookup memberships with lsoa: lsoa11_code, e.g. July 2022 ICBs and sub-ICB locations) take their lookup as
-- published; every other vintage adds up the LSOA11's population shares in the LSOA21s of each area, so an
-- LSOA11 straddling areas gets one row per area.

with

lsoa11_to_lsoa21 as (
    select * from {{ ref('int_lsoa11_lsoa21_weights_derived') }}
),

lsoa21_memberships as (
    select * from {{ ref('int_lsoa21_area_memberships_unioned') }}
),

drawn_on_lsoa11 as (
    {%- for vintage in var('area_vintages')
        if vintage.kind == 'lookup' and vintage.membership.lsoa == 'lsoa11_code' %}
        select
            {{ vintage.membership.lsoa }} as lsoa11_code,
            '{{ vintage.area_type }}' as area_type,
            '{{ vintage.area_vintage }}' as area_vintage,
            {{ vintage.membership.code }} as area_code,
            1.0 as lsoa11_share
        from {{ source('ons_geography', vintage.membership.source) }}
        where {{ vintage.membership.lsoa }} like 'E01%'
        union all
    {%- endfor %}
    -- closes the union (and keeps the CTE typed when no vintage is drawn on LSOA11s)
    select
        cast(null as varchar) as lsoa11_code,
        cast(null as varchar) as area_type,
        cast(null as varchar) as area_vintage,
        cast(null as varchar) as area_code,
        cast(null as double) as lsoa11_share
    where false
),

vintages_drawn_on_lsoa11 as (
    select distinct
        area_type,
        area_vintage
    from drawn_on_lsoa11
),

derived_from_lsoa21 as (
    select
        lsoa11_to_lsoa21.lsoa11_code,
        lsoa21_memberships.area_type,
        lsoa21_memberships.area_vintage,
        lsoa21_memberships.area_code,
        sum(lsoa11_to_lsoa21.lsoa11_share) as lsoa11_share
    from lsoa11_to_lsoa21
    inner join lsoa21_memberships on lsoa11_to_lsoa21.lsoa21_code = lsoa21_memberships.lsoa21_code
    left join vintages_drawn_on_lsoa11
        on
        lsoa21_memberships.area_type = vintages_drawn_on_lsoa11.area_type
        and lsoa21_memberships.area_vintage = vintages_drawn_on_lsoa11.area_vintage
    where vintages_drawn_on_lsoa11.area_vintage is null
    group by
        lsoa11_to_lsoa21.lsoa11_code,
        lsoa21_memberships.area_type,
        lsoa21_memberships.area_vintage,
        lsoa21_memberships.area_code
),

final as (
    select * from drawn_on_lsoa11
    union all
    select * from derived_from_lsoa21
)

select * from final

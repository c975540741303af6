-- Every figure for every area of the registry of areas (areas.yaml), the columns of
-- int_icb_indicator_figures_unioned with the area's type, code, name and vintage in place of the ICB's. The
-- ICB slice is the ICB figures themselves; other areas have what is honest for them (areas.yaml la_figures):
-- small-area sums for every type down to MSOAs (lsoa_exact, or lsoa_apportioned where a 2011 LSOA straddles
-- areas), the local-authority publishers' own figures for districts and upper-tier councils (published_la),
-- and LA figures rebuilt as for ICBs for sub-ICB locations and regions (la_aggregated, la_apportioned). An LA
-- figure is never copied onto a neighbourhood (la_figures: none). Figures below the display floor of their
-- area are withheld as for ICBs.

with

icb_figures as (
    select * from {{ ref('int_icb_indicator_figures_unioned') }}
),

lsoa_figures as (
    select * from {{ ref('int_area_lsoa_indicators_aggregated') }}
),

lsoa21_shares as (
    select * from {{ ref('int_area_lsoa21_shares_aggregated') }}
),

lsoa11_domain_shares as (
    select * from {{ ref('int_area_lsoa11_domain_shares_aggregated') }}
),

la_figures as (
    select * from {{ ref('int_area_la_figures_published') }}
),

la_apportioned as (
    select * from {{ ref('int_area_la_indicators_apportioned') }}
),

areas as (
    select distinct
        area_type,
        area_vintage,
        area_code,
        area_name
    from {{ ref('int_area_icb_overlaps_measured') }}
),

registry as (
    select * from {{ ref('indicators') }}
),

small_area_figures as (
    select * from lsoa_figures
    union all by name
    select * from lsoa21_shares
    union all by name
    select * from lsoa11_domain_shares
),

-- 'icb' is the registry's id of the integrated care boards, whose figures come whole from
-- int_icb_indicator_figures_unioned (with the published ICB figures and the NHS organisations' own)
other_area_figures as (
    -- small-area sums and publishers' own figures carry no counts_basis: the macro says what they are
    select
        *,
        cast(null as varchar) as counts_basis
    from small_area_figures
    where area_type != 'icb'
    union all by name
    select
        *,
        cast(null as varchar) as counts_basis
    from la_figures
    union all by name
    select * from la_apportioned
    where area_type != 'icb'
),

floored as (
    select
        *,
        {{ below_display_floor() }} as is_below_display_floor
    from other_area_figures
),

other_areas as (
    select
        figures.area_type,
        figures.area_code,
        areas.area_name,
        figures.area_vintage,
        figures.indicator_id,
        figures.period,
        figures.period_start,
        {{ withheld_below_display_floor('figures') }},
        registry.unit,
        {{ value_status_below_display_floor('figures') }} as value_status,
        figures.method,
        figures.source_id,
        figures.coverage
    from floored as figures
    inner join areas
        on
        figures.area_type = areas.area_type
        and figures.area_vintage = areas.area_vintage
        and figures.area_code = areas.area_code
    inner join registry on figures.indicator_id = registry.id
),

icb_areas as (
    select
        'icb' as area_type,
        icb_code as area_code,
        icb_name as area_name,
        icb_vintage as area_vintage,
        indicator_id,
        period,
        period_start,
        value,
        lower_ci,
        upper_ci,
        numerator,
        denominator,
        counts_basis,
        unit,
        value_status,
        method,
        source_id,
        coverage
    from icb_figures
),

final as (
    select * from icb_areas
    union all
    select * from other_areas
)

select * from final

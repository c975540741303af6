-- Every figure for every area of the registry of areas (areas.yaml), the columns of icb_indicators with
-- the area's type, code, name and vintage in place of the ICB's. The ICB slice is icb_indicators itself;
-- other areas have what is honest for them: small-area sums for every type down to MSOAs (lsoa_exact), and
-- the local-authority publishers' own figures for districts and upper-tier councils (published_la). LA
-- figures are never apportioned to areas smaller than a council.

with

icb_figures as (
    select * from {{ ref('icb_indicators') }}
),

lsoa21_shares as (
    select * from {{ ref('int_area_lsoa21_shares_aggregated') }}
),

la_figures as (
    select * from {{ ref('int_area_la_figures_published') }}
),

areas as (
    select distinct
        area_type,
        area_vintage,
        area_code,
        area_name
    from {{ ref('areas') }}
),

registry as (
    select * from {{ ref('indicators') }}
),

other_area_figures as (
    select * from lsoa21_shares
    -- 'icb' is the registry's id of the integrated care boards, whose figures come whole from icb_indicators
    where area_type != 'icb'
    union all by name
    select * from la_figures
),

floored as (
    select
        *,
        value is not null and coverage < {{ var('coverage_floor_display') }} as is_below_display_floor
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
        case when not figures.is_below_display_floor then figures.value end as value,
        case when not figures.is_below_display_floor then figures.lower_ci end as lower_ci,
        case when not figures.is_below_display_floor then figures.upper_ci end as upper_ci,
        case when not figures.is_below_display_floor then figures.numerator end as numerator,
        case when not figures.is_below_display_floor then figures.denominator end as denominator,
        case when figures.is_below_display_floor or figures.numerator is null then null else 'observed' end
            as counts_basis,
        registry.unit,
        case when figures.is_below_display_floor then 'below_coverage_floor' else figures.value_status end
            as value_status,
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

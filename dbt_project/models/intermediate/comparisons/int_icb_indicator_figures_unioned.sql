-- Every ICB figure from every route (LSOA sums, LA re-aggregation, published ICB values, NHS organisations),
-- with two properties the comparisons depend on:
--   counts_basis  what numerator and denominator are: observed counts, apportioned counts (a split area's
--                 counts shared by population) or estimated (rate x population). Only real counts (observed,
--                 apportioned) may carry a Wilson or Byar interval or a count-based trend test.
--   coverage      share of the ICB's population the figure rests on. Below the display floor
--                 (var coverage_floor_display) the figure is withheld: value NULL, value_status
--                 below_coverage_floor. Between that and the comparison floor it is shown but never ranked,
--                 compared or used in a comparator (int_area_indicators_compared).

with

lsoa_figures as (
    select * from {{ ref('int_icb_lsoa_indicators_aggregated') }}
),

lsoa21_shares as (
    select * from {{ ref('int_icb_lsoa21_shares_aggregated') }}
),

lsoa11_domain_shares as (
    select * from {{ ref('int_icb_lsoa11_domain_shares_aggregated') }}
),

la_figures as (
    select * from {{ ref('int_icb_la_indicators_apportioned') }}
),

nhs_anchor_figures as (
    select * from {{ ref('int_icb_nhs_anchor_indicators_aggregated') }}
),

nhs_workforce_figures as (
    select * from {{ ref('int_icb_nhs_workforce_indicators_aggregated') }}
),

civic_figures as (
    select * from {{ ref('int_icb_civic_indicators_aggregated') }}
),

nhs_estate_figures as (
    select * from {{ ref('int_icb_nhs_estate_indicators_aggregated') }}
),

health_figures as (
    -- published ICB values first, rebuilt ones where none was published for the vintage
    select * from {{ ref('int_icb_health_indicators_preferred') }}
),

icbs as (
    select * from {{ ref('icbs') }}
),

registry as (
    select * from {{ ref('indicators') }}
),

figures as (
    select * from lsoa_figures
    union all by name
    select * from lsoa21_shares
    union all by name
    select * from lsoa11_domain_shares
    union all by name
    select la_figures.* from la_figures
    -- indicators with a published ICB value take theirs from health_figures, which already chose
    where la_figures.indicator_id not in (select health_figures.indicator_id from health_figures)
    union all by name
    select * from nhs_anchor_figures
    union all by name
    select * from nhs_workforce_figures
    union all by name
    select * from civic_figures
    union all by name
    select * from {{ ref('int_icb_primary_care_workforce_aggregated') }}
    union all by name
    select * from nhs_estate_figures
    union all by name
    select * from health_figures
),

floored as (
    select
        *,
        {{ below_display_floor() }} as is_below_display_floor
    from figures
),

final as (
    select
        figures.icb_code,
        icbs.icb_name,
        figures.icb_vintage,
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
    inner join icbs
        on figures.icb_code = icbs.icb_code
        and figures.icb_vintage = icbs.icb_vintage
    inner join registry on figures.indicator_id = registry.id
)

select * from final

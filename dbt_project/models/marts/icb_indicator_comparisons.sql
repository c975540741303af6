-- The ICB slice of area_indicator_comparisons: every ICB figure benchmarked by the same code that benchmarks
-- every other area type, with the ICB's own keys.

with

area_comparisons as (
    select * from {{ ref('area_indicator_comparisons') }}
),

final as (
    select
        area_code as icb_code,
        area_name as icb_name,
        area_vintage as icb_vintage,
        nhs_region_code,
        nhs_region_name,
        indicator_id,
        domain,
        period,
        period_start,
        value,
        unit,
        polarity,
        value_status,
        method,
        coverage,
        counts_basis,
        ci_method,
        lower_ci_95,
        upper_ci_95,
        lower_ci_998,
        upper_ci_998,
        england_value,
        england_value_status,
        england_value_source,
        region_value,
        region_value_source,
        peer_group_value,
        gap_to_england,
        gap_to_england_percent,
        rank,
        rank_of,
        quintile,
        significance_95,
        significance_998,
        significance_method,
        not_compared_reason,
        previous_period,
        previous_value,
        change_since_previous,
        change_since_previous_percent,
        trend_points,
        trend_first_period,
        trend_method,
        trend_slope_per_year,
        trend_test_statistic,
        trend_significant_95,
        trend_significant_998,
        trend_direction,
        trend_assessment
    from area_comparisons
    -- 'icb' is the registry's id of the integrated care boards
    where area_type = 'icb'
)

select * from final

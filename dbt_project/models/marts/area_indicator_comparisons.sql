-- Every figure of every area of the registry of areas compared with England, its NHS region and its parent
-- ICB, ranked within its area type and vintage, with its trend: the columns of icb_indicator_comparisons with
-- the area's type, code, name and vintage in place of the ICB's, then the parent ICB. The ICB slice is
-- icb_indicator_comparisons.

with

compared as (
    select * from {{ ref('int_area_indicators_compared') }}
),

trends as (
    select * from {{ ref('int_area_indicator_trends_tested') }}
),

final as (
    select
        compared.area_type,
        compared.area_code,
        compared.area_name,
        compared.area_vintage,
        compared.nhs_region_code,
        compared.nhs_region_name,
        compared.indicator_id,
        compared.domain,
        compared.period,
        compared.period_start,
        compared.value,
        compared.unit,
        compared.polarity,
        compared.value_status,
        compared.method,
        compared.coverage,
        compared.counts_basis,
        compared.ci_method,
        compared.lower_ci_95,
        compared.upper_ci_95,
        compared.lower_ci_998,
        compared.upper_ci_998,
        compared.england_value,
        compared.england_value_status,
        compared.england_value_source,
        compared.region_value,
        compared.region_value_source,
        compared.peer_group_value,
        compared.gap_to_england,
        compared.gap_to_england_percent,
        compared.rank,
        compared.rank_of,
        compared.quintile,
        compared.significance_95,
        compared.significance_998,
        compared.significance_method,
        compared.not_compared_reason,
        trends.previous_period,
        trends.previous_value,
        trends.change_since_previous,
        trends.change_since_previous_percent,
        trends.trend_points,
        trends.trend_first_period,
        trends.trend_method,
        trends.trend_slope_per_year,
        trends.trend_test_statistic,
        trends.trend_significant_95,
        trends.trend_significant_998,
        trends.trend_direction,
        case
            when trends.trend_direction not in ('increasing', 'decreasing') then trends.trend_direction
            when compared.polarity = 'not_applicable' then 'not_assessed_no_polarity'
            when (trends.trend_direction = 'increasing') = (compared.polarity = 'higher_is_better')
                then 'getting_better'
            else 'getting_worse'
        end as trend_assessment,
        compared.parent_icb_vintage,
        compared.parent_icb_code,
        compared.parent_icb_name,
        compared.parent_icb_value
    from compared
    inner join trends
        on compared.area_type = trends.area_type
        and compared.area_vintage = trends.area_vintage
        and compared.area_code = trends.area_code
        and compared.indicator_id = trends.indicator_id
        and compared.period = trends.period
)

select * from final

-- The recent trend of every series of every area (ICBs and every other type of the registry of areas) as of
-- each period, tested on the latest five points up to and including it, as Fingertips' trend markers do.
-- Points must not overlap: for rolling multi-year periods ("2020-2022") only every n-th period of an n-year
-- series counts, so a 3-year rolling series needs 15 years for a test. Time is measured in years from each
-- period's start, so gaps in a series are spaced honestly. The test follows the indicator's ci_method:
--   wilson     chi-squared test for linear trend in proportions (Cochran-Armitage) on numerators and
--              denominators
--   publisher, byar  weighted least squares on the values with weights 1/se^2, se from the 95% interval; the
--              slope over its standard error, squared, is chi-squared on 1 df
--   none       ordinary least squares with a t test on 3 df. These series carry no sampling error, so
--              the test says only whether five points sit convincingly on a sloped line.
-- A trend is increasing or decreasing when significant at the 99.8% level; the 95% flag is reported too. Only
-- comparable points enter a trend or a change: the same method as the latest point (a published ICB figure
-- and one rebuilt from sub-ICB areas are different series), each at or above the comparison coverage floor (a
-- point resting on part of the ICB is a different population). The chi-squared test needs real counts
-- (counts_basis observed or apportioned), never a rate times a population. Means of LA values are not ICB
-- statistics and get no trend verdict.

with

figures as (
    select * from {{ ref('int_area_indicator_figures_unioned') }}
),

registry as (
    select * from {{ ref('indicator_registry') }}
),

series as (
    select
        figures.area_type,
        figures.area_vintage,
        figures.area_code,
        figures.indicator_id,
        figures.period,
        figures.period_start,
        figures.value,
        figures.numerator,
        figures.denominator,
        figures.unit,
        figures.method,
        figures.counts_basis,
        coalesce(figures.coverage >= {{ var('coverage_floor_compare') }}, false) as is_above_compare_floor,
        registry.polarity,
        case registry.ci_method
            when 'wilson' then 'chi_squared_trend'
            when 'none' then 'ordinary_least_squares'
            else 'weighted_least_squares'
        end as trend_method,
        case
            when regexp_full_match(figures.period, '\d{4}-\d{4}')
                then cast(right(figures.period, 4) as integer) - cast(left(figures.period, 4) as integer) + 1
            else 1
        end as period_years,
        date_diff('day', date '2000-01-01', figures.period_start) / 365.25 as years,
        case registry.ci_method
            when 'publisher' then (figures.upper_ci - figures.lower_ci) / (2 * {{ z_score('95') }})
            when 'byar'
                then
                    {{ unit_scale('figures.unit') }}
                    * (
                        {{ byar_bound('figures.numerator', '95', 'upper') }}
                        - {{ byar_bound('figures.numerator', '95', 'lower') }}
                    )
                    / nullif(figures.denominator, 0) / (2 * {{ z_score('95') }})
        end as standard_error
    from figures
    inner join registry on figures.indicator_id = registry.indicator_id
),

testable_points as (
    select
        *,
        is_above_compare_floor
        and method != 'la_population_weighted_mean'
        and case trend_method
            when 'chi_squared_trend'
                then
                    value is not null
                    and counts_basis in ('observed', 'apportioned')
                    and denominator > 0
                    and numerator between 0 and denominator
            when 'weighted_least_squares' then value is not null and standard_error > 0
            else value is not null
        end as is_testable
    from series
),

previous_periods as (
    select
        area_type,
        area_vintage,
        area_code,
        indicator_id,
        period,
        lag(period) over series_order as previous_period,
        -- a change is stated only between comparable points: same method, both above the coverage floor
        case
            when
                lag(method) over series_order = method
                and lag(is_above_compare_floor) over series_order
                and is_above_compare_floor
                then lag(value) over series_order
        end as previous_value
    from series
    window
        series_order as (partition by area_type, area_vintage, area_code, indicator_id order by period_start)
),

-- The points each trend may use, numbered along their chain: same series and method, and for an n-year
-- rolling series the same year modulo n (the non-overlapping points an anchor can reach), so a window is the
-- anchor and the four points before it on its chain, found by position instead of by joining every pair.
chained_points as (
    select
        *,
        row_number() over (
            partition by
                area_type, area_vintage, area_code, indicator_id, method, year(period_start) % period_years
            order by period_start
        ) as chain_position
    from testable_points
    where is_testable
),

window_points as (
    select
        anchor.area_type,
        anchor.area_vintage,
        anchor.area_code,
        anchor.indicator_id,
        anchor.period,
        anchor.trend_method,
        earlier.period as point_period,
        earlier.years,
        earlier.value,
        earlier.numerator,
        earlier.denominator,
        earlier.standard_error,
        {{ unit_scale('earlier.unit') }} as scale,
        anchor.chain_position - earlier.chain_position + 1 as recency
    from chained_points as anchor
    inner join chained_points as earlier
        on anchor.area_type = earlier.area_type
        and anchor.area_vintage = earlier.area_vintage
        and anchor.area_code = earlier.area_code
        and anchor.indicator_id = earlier.indicator_id
        and anchor.method = earlier.method
        and year(anchor.period_start) % anchor.period_years
        = year(earlier.period_start) % earlier.period_years
        and earlier.chain_position between anchor.chain_position - 4 and anchor.chain_position
),

sums as (
    select
        area_type,
        area_vintage,
        area_code,
        indicator_id,
        period,
        any_value(trend_method) as trend_method,
        any_value(scale) as scale,
        count(*) as points,
        max(point_period) filter (where recency = 5) as first_period,
        -- chi-squared test for trend: x scores are years, r numerators, n denominators
        sum(denominator) as n_total,
        sum(numerator) as r_total,
        sum(denominator * years) as nx,
        sum(denominator * years * years) as nxx,
        sum(numerator * years) as rx,
        -- weighted least squares with w = 1 / se^2
        sum(1 / (standard_error * standard_error)) as w_total,
        sum(years / (standard_error * standard_error)) as wx,
        sum(value / (standard_error * standard_error)) as wy,
        sum(years * years / (standard_error * standard_error)) as wxx,
        sum(years * value / (standard_error * standard_error)) as wxy,
        -- ordinary least squares
        regr_slope(value, years) as ols_slope,
        regr_sxx(value, years) as ols_sxx,
        regr_syy(value, years) as ols_syy,
        regr_sxy(value, years) as ols_sxy
    from window_points
    where recency <= 5
    group by area_type, area_vintage, area_code, indicator_id, period
),

statistics as (
    select
        *,
        r_total / n_total as pooled_proportion,
        nxx - nx * nx / n_total as nx_spread,
        wxx - wx * wx / w_total as wx_spread
    from sums
),

tests as (
    select
        area_type,
        area_vintage,
        area_code,
        indicator_id,
        period,
        trend_method,
        points,
        first_period,
        case trend_method
            when 'chi_squared_trend' then scale * (rx - pooled_proportion * nx) / nullif(nx_spread, 0)
            when 'weighted_least_squares' then (wxy - wx * wy / w_total) / nullif(wx_spread, 0)
            else ols_slope
        end as slope_per_year,
        case trend_method
            when 'chi_squared_trend'
                then
                    pow(rx - pooled_proportion * nx, 2)
                    / nullif(pooled_proportion * (1 - pooled_proportion) * nx_spread, 0)
            when 'weighted_least_squares' then pow(wxy - wx * wy / w_total, 2) / nullif(wx_spread, 0)
            else
                ols_slope
                / nullif(sqrt(greatest(ols_syy - ols_slope * ols_sxy, 0) / (points - 2) / ols_sxx), 0)
        end as test_statistic,
        -- a perfect straight line has no residual variance: its slope is certain
        trend_method = 'ordinary_least_squares'
        and ols_syy - ols_slope * ols_sxy <= 1e-12 * ols_syy
        and ols_slope != 0 as is_exact_line
    from statistics
    where points = 5
),

significance as (
    select
        *,
    {% for level, suffix in [('95', '95'), ('99.8', '998')] %}
        case
            when is_exact_line then true
            when test_statistic is null then false
            when
                trend_method = 'ordinary_least_squares'
                then abs(test_statistic) > {{ t_3df_critical(level) }}
            else test_statistic > {{ chi_squared_1df_critical(level) }}
        end as is_significant_{{ suffix }}{{ ',' if not loop.last }}
    {% endfor %}
    from tests
),

final as (
    select
        series.area_type,
        series.area_vintage,
        series.area_code,
        series.indicator_id,
        series.period,
        previous_periods.previous_period,
        previous_periods.previous_value,
        series.value - previous_periods.previous_value as change_since_previous,
        100 * (series.value - previous_periods.previous_value)
        / nullif(abs(previous_periods.previous_value), 0) as change_since_previous_percent,
        cast(coalesce(significance.points, 0) as integer) as trend_points,
        significance.first_period as trend_first_period,
        case when significance.points = 5 then series.trend_method end as trend_method,
        significance.slope_per_year as trend_slope_per_year,
        significance.test_statistic as trend_test_statistic,
        significance.is_significant_95 as trend_significant_95,
        significance.is_significant_998 as trend_significant_998,
        case
            when series.value is null then 'no_value'
            when not series.is_testable then 'not_tested'
            when significance.points is null then 'insufficient_points'
            when not significance.is_significant_998 then 'no_significant_change'
            when significance.slope_per_year > 0 then 'increasing'
            else 'decreasing'
        end as trend_direction
    from testable_points as series
    inner join previous_periods
        on series.area_type = previous_periods.area_type
        and series.area_vintage = previous_periods.area_vintage
        and series.area_code = previous_periods.area_code
        and series.indicator_id = previous_periods.indicator_id
        and series.period = previous_periods.period
    left join significance
        on series.area_type = significance.area_type
        and series.area_vintage = significance.area_vintage
        and series.area_code = significance.area_code
        and series.indicator_id = significance.indicator_id
        and series.period = significance.period
)

select * from final

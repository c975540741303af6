-- Local-authority figures that feed ICB indicators, stacked and matched to the indicator registry
-- (seed indicator_registry: source_id + source_indicator_name -> indicator_id, la_tier, weight_basis,
-- aggregation). Each small area is counted once per period: lower tier (E06-E09) where the source publishes
-- districts, a county (E10) standing in only where the period lists no district or unitary inside it
-- (a county abolished before its districts' figures were published, or a source that publishes some areas
-- by county only); upper tier (E06, E08-E10) where it publishes counties and unitaries only. Where a
-- period lists a code and one that superseded it, the newer is taken unless only the older has a figure
-- (without_superseded_codes). A figure that matches no registry row fails the build's not_null tests, never
-- dropped quietly.

{% set la_figure_models = la_figure_models() %}

with

registry as (
    select * from {{ ref('indicator_registry') }}
),

code_overlaps as (
    select * from {{ ref('int_la_code_overlaps_derived') }}
),

published_figures as (
    -- by name: a source that publishes its counts (numerator, denominator) keeps them; the others get NULLs
    {% for model in la_figure_models -%}
        select * from {{ ref(model) }}
        {% if not loop.last %}union all by name{% endif %}
    {% endfor %}
),

matched as (
    select distinct
        registry.indicator_id,
        published_figures.source_id,
        published_figures.area_code as la_code,
        published_figures.period,
        published_figures.period_start,
        published_figures.value,
        published_figures.lower_ci_95,
        published_figures.upper_ci_95,
        published_figures.numerator,
        published_figures.denominator,
        published_figures.value_status,
        registry.unit,
        registry.weight_basis,
        registry.aggregation
    from published_figures
    -- a left join: a publisher's indicator with no registry row keeps a NULL indicator_id, which the not_null
    -- tests on this model turn into a failed build instead of a silently missing indicator
    left join registry
        on published_figures.source_id = registry.source_id
        and published_figures.indicator_name = registry.source_indicator_name
    where
        (registry.la_tier = 'lower' and regexp_matches(published_figures.area_code, '^E(?:0[6-9]|10)'))
        or (registry.la_tier = 'upper' and regexp_matches(published_figures.area_code, '^E(?:06|08|09|10)'))
        or (registry.indicator_id is null and regexp_matches(published_figures.area_code, '^E(?:0[6-9]|10)'))
),

deduplicated as (
    -- where a period lists both a code and the code that superseded it, keep only the latter (unless only the
    -- former has a figure); a county gives way to the districts and unitaries inside it
    {{ without_superseded_codes('matched', 'la_code', 'value') }}
),

inactivity_rates as (
    -- every code's own published rate, whether or not that code is the one used for the inactivity indicator
    -- (a county standing in for suppressed districts on one indicator may give way to them on this one)
    select
        la_code,
        period,
        value as inactivity_rate
    from matched
    where indicator_id = 'economic_inactivity_rate_16_64'
),

final as (
    -- a share of the economically inactive is weighted by the estimated inactive residents aged 16-64, and a
    -- share of the economically active (unemployment) by the estimated active ones: residents 16-64 times the
    -- same authority's inactivity rate (or its complement) for the same period
    select
        deduplicated.indicator_id,
        deduplicated.source_id,
        deduplicated.la_code,
        deduplicated.period,
        deduplicated.period_start,
        deduplicated.value,
        deduplicated.lower_ci_95,
        deduplicated.upper_ci_95,
        deduplicated.numerator,
        deduplicated.denominator,
        deduplicated.value_status,
        deduplicated.unit,
        case
            when
                deduplicated.weight_basis in (
                    'economically_inactive_aged_16_64', 'economically_active_aged_16_64'
                )
                then 'population_aged_16_64_2020'
            else deduplicated.weight_basis
        end as weight_basis,
        case
            when deduplicated.weight_basis = 'economically_inactive_aged_16_64'
                then inactivity_rates.inactivity_rate / 100.0
            when deduplicated.weight_basis = 'economically_active_aged_16_64'
                then 1 - inactivity_rates.inactivity_rate / 100.0
            else 1.0
        end as weight_multiplier,
        deduplicated.aggregation
    from deduplicated
    left join inactivity_rates
        on deduplicated.la_code = inactivity_rates.la_code
        and deduplicated.period = inactivity_rates.period
)

select * from final

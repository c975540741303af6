-- Figures of every area whose type takes local-authority figures apportioned (areas.yaml la_figures:
-- apportioned: ICBs, sub-ICB locations, NHS regions) from local-authority figures, made for every such area
-- type as they are for ICBs. Each LA contributes the part of it inside the area (its LSOA population there,
-- on the population the rate is "per") times its rate: for rates that rebuilds an estimated numerator and
-- denominator, which are summed and then divided. Counts (sum_apportioned) are shared among areas by each
-- authority's population share. Statistics that cannot be rebuilt are labelled: life expectancies and
-- standardised rates as a population-weighted mean of LA values; medians and ratios of medians (aggregation
-- not_aggregable) get no value at all. Where the source publishes the counts behind its rates (Census 2021),
-- the counts themselves are summed (a split authority's shared by its population on each side) and the rate
-- is their ratio: the weights are then the indicator's own denominator. Otherwise the rebuilt "numerator" and
-- "denominator" are estimates (rate x a mid-2020 population), tagged counts_basis = 'estimated' so that no
-- interval or count-based test is ever computed from them. Survey standard errors combine as sqrt(sum(w^2 *
-- se^2)), assuming LAs are independent; LAs with no figure are left out and reported through coverage, never
-- counted as zero.

with

la_values as (
    select * from {{ ref('int_la_indicator_values_unioned') }}
),

weights as (
    select * from {{ ref('int_la_area_weights_derived') }}
),

area_totals as (
    select * from {{ ref('int_area_population_bases_aggregated') }}
),

joined as (
    select
        la_values.*,
        weights.area_type,
        weights.area_vintage,
        weights.area_code,
        weights.is_split_la,
        weights.population as base_population,
        weights.share_of_la_population,
        la_values.numerator as la_numerator,
        la_values.denominator as la_denominator,
        (la_values.upper_ci_95 - la_values.lower_ci_95) / (2 * 1.959963984540054) as standard_error
    from la_values
    inner join weights
        on la_values.la_code = weights.la_code
        and la_values.weight_basis = weights.population_basis
),

weighted as (
    select
        *,
        base_population * weight_multiplier as weight,
        value is not null and weight_multiplier is not null as is_covered,
        la_numerator is not null and la_denominator > 0 as has_published_counts
    from joined
),

aggregated as (
    select
        area_type,
        area_vintage,
        area_code,
        indicator_id,
        source_id,
        period,
        min(period_start) as period_start,
        any_value(unit) as unit,
        any_value(weight_basis) as weight_basis,
        any_value(aggregation) as aggregation,
        sum(weight) filter (where is_covered) as covered_weight,
        sum(base_population) filter (where is_covered) as covered_base_population,
        sum(weight * value) filter (where is_covered) as weighted_sum,
        -- a count is shared among areas by each authority's population share
        sum(value * share_of_la_population) filter (where is_covered) as apportioned_total,
        sum(weight * weight * standard_error * standard_error) filter (where is_covered) as weighted_variance,
        count(*) filter (where is_covered and standard_error is null) as covered_without_ci,
        bool_or(is_split_la) filter (where is_covered) as uses_split_la,
        -- the source's own counts, where every covered authority published them
        bool_and(has_published_counts) filter (where is_covered) as all_have_published_counts,
        sum(la_numerator * share_of_la_population) filter (where is_covered) as published_numerator,
        sum(la_denominator * share_of_la_population) filter (where is_covered) as published_denominator,
        bool_or(value_status = 'low_reliability') filter (where is_covered) as uses_low_reliability,
        -- no figure at all because the source had none (blank), rather than because it withheld them
        bool_and(value_status = 'missing') as all_missing
    from weighted
    group by area_type, area_vintage, area_code, indicator_id, source_id, period
),

estimated as (
    select
        aggregated.*,
        case
            when aggregated.aggregation = 'sum_apportioned' then aggregated.apportioned_total
            when aggregated.aggregation = 'ratio_of_sums_apportioned' and aggregated.all_have_published_counts
                then
                    {{ unit_scale('aggregated.unit') }} * aggregated.published_numerator
                    / nullif(aggregated.published_denominator, 0)
            when aggregated.aggregation <> 'not_aggregable'
                then aggregated.weighted_sum / nullif(aggregated.covered_weight, 0)
        end as estimate,
        sqrt(aggregated.weighted_variance) / nullif(aggregated.covered_weight, 0) as estimate_standard_error,
        aggregated.covered_base_population / area_totals.population as coverage
    from aggregated
    inner join area_totals
        on aggregated.area_type = area_totals.area_type
        and aggregated.area_vintage = area_totals.area_vintage
        and aggregated.area_code = area_totals.area_code
        and aggregated.weight_basis = area_totals.population_basis
),

final as (
    select
        area_type,
        area_vintage,
        area_code,
        indicator_id,
        period,
        period_start,
        estimate as value,
        case when covered_without_ci = 0 then estimate - 1.959963984540054 * estimate_standard_error end
            as lower_ci,
        case when covered_without_ci = 0 then estimate + 1.959963984540054 * estimate_standard_error end
            as upper_ci,
        -- rates rebuild an estimated count (people, pounds, tonnes); a mean of LA values has no numerator
        case
            when aggregation <> 'ratio_of_sums_apportioned' or estimate is null then null
            when all_have_published_counts then published_numerator
            when unit = 'percent' then weighted_sum / 100.0
            when unit = 'per_100000' then weighted_sum / 100000.0
            when unit in ('gbp_per_head', 'tonnes_co2e_per_head') then weighted_sum
        end as numerator,
        case
            when estimate is null or aggregation = 'sum_apportioned' then null
            when aggregation = 'ratio_of_sums_apportioned' and all_have_published_counts
                then published_denominator
            else covered_weight
        end as denominator,
        -- what the numerator and denominator are: the publisher's counts summed over whole authorities
        -- (observed), those counts shared across a split authority by population (apportioned), or a rate
        -- times a population (estimated) that no interval may be computed from
        case
            when aggregation <> 'ratio_of_sums_apportioned' or estimate is null then null
            when all_have_published_counts and uses_split_la then 'apportioned'
            when all_have_published_counts then 'observed'
            else 'estimated'
        end as counts_basis,
        case
            when aggregation = 'not_aggregable' then 'not_aggregable'
            when estimate is null and all_missing then 'missing'
            when estimate is null then 'suppressed'
            when coverage < 0.9999 then 'partial'
            when uses_low_reliability then 'low_reliability'
            else 'ok'
        end as value_status,
        case
            when aggregation = 'not_aggregable' then 'not_aggregable'
            when aggregation = 'population_weighted_mean_of_la_values' then 'la_population_weighted_mean'
            when uses_split_la then 'la_apportioned'
            else 'la_aggregated'
        end as method,
        source_id,
        coalesce(coverage, 0) as coverage
    from estimated
)

select * from final

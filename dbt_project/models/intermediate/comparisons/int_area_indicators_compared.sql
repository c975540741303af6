-- Every figure of every area (ICBs and every other type of the registry of areas) set against England, its
-- NHS region and, for areas other than ICBs, its parent ICB (int_area_comparison_contexts_assigned): rank and
-- quintile among the areas of its type and vintage, gap to England, and significance the way Fingertips
-- judges it. A figure is significantly higher or lower than England when the England value lies outside the
-- ICB's 95% (or 99.8%) confidence interval. England and the region are the publisher's own figures wherever
-- the source publishes them (england_value_source), else aggregates rebuilt from the ICBs. The interval comes
-- from the publisher, or is computed from REAL counts only: Wilson score for counts-based proportions, Byar
-- (exact Poisson below 10 events) for crude rates (registry ci_method), on numerators and denominators that
-- are observed or apportioned counts, never on a rate times a population (counts_basis = estimated).
-- Publisher 95% intervals are widened to 99.8% on a normal approximation, side by side, so an asymmetric
-- interval stays asymmetric. Not ranked or compared: counts (their size follows the ICB's population), means
-- of LA values (not ICB statistics), and figures resting on less than the comparison coverage floor of their
-- ICB.

with

figures as (
    select * from {{ ref('int_area_indicator_figures_unioned') }}
),

registry as (
    select * from {{ ref('indicator_registry') }}
),

contexts as (
    select * from {{ ref('int_area_comparison_contexts_assigned') }}
),

group_values as (
    select * from {{ ref('int_comparator_values_reconciled') }}
),

enriched as (
    select
        figures.*,
        registry.domain,
        registry.polarity,
        registry.ci_method,
        contexts.comparator_vintage,
        contexts.nhs_region_code,
        contexts.nhs_region_name,
        contexts.peer_group_code,
        contexts.parent_icb_vintage,
        contexts.parent_icb_code,
        contexts.parent_icb_name,
        {{ aggregation_kind('registry.aggregation') }} in ('count', 'count_not_additive') as is_count,
        -- a population-weighted mean of LA life expectancies, DSRs or scores is not the ICB's own statistic
        figures.method = 'la_population_weighted_mean' as is_mean_of_la_values,
        coalesce(figures.coverage >= {{ var('coverage_floor_compare') }}, false) as is_above_compare_floor,
        figures.counts_basis in ('observed', 'apportioned') as has_real_counts,
        figures.counts_basis in ('observed', 'apportioned')
        and figures.numerator is not null
        and figures.denominator > 0
        and figures.numerator between 0 and figures.denominator as has_counts
    from figures
    inner join registry on figures.indicator_id = registry.indicator_id
    inner join contexts
        on figures.area_type = contexts.area_type
        and figures.area_vintage = contexts.area_vintage
        and figures.area_code = contexts.area_code
),

intervals as (
    select
        *,
    {% for level, suffix in [('95', '95'), ('99.8', '998')] %}
    {% for side in ['lower', 'upper'] %}
        case
            {% if level == '95' %}
                when ci_method = 'publisher' then {{ side }}_ci
            {% else %}
                -- the publisher's 95% half-width on each side, widened by z(99.8%) / z(95%)
                when ci_method = 'publisher'
                    then value + ({{ side }}_ci - value) * {{ z_score('99.8') }} / {{ z_score('95') }}
            {% endif %}
            when ci_method = 'wilson' and has_counts
                then
                    {{ unit_scale('unit') }}
                    * {{ wilson_bound('numerator', 'denominator', level, side) }}
            when ci_method = 'byar' and has_real_counts and numerator >= 0 and denominator > 0
                then {{ unit_scale('unit') }} * {{ byar_bound('numerator', level, side) }} / denominator
        end as {{ side }}_ci_{{ suffix }}{{ ',' if not (loop.last and suffix == '998') }}
    {% endfor %}
    {% endfor %}
    from enriched
),

compared as (
    select
        intervals.*,
        england.value as england_value,
        england.value_status as england_value_status,
        england.value_source as england_value_source,
        region.value as region_value,
        region.value_source as region_value_source,
        peers.value as peer_group_value,
        parent.value as parent_icb_value,
        case
            when intervals.value is null then 'no_value'
            when intervals.is_count then 'count_not_rate'
            when intervals.polarity = 'not_applicable' then 'no_polarity'
            when intervals.is_mean_of_la_values then 'mean_of_la_values_not_an_icb_statistic'
            when not intervals.is_above_compare_floor then 'coverage_below_floor'
            when england.value is null then 'no_england_value'
            when intervals.ci_method = 'none' then 'no_confidence_interval_for_indicator'
            when intervals.ci_method in ('wilson', 'byar') and not intervals.has_real_counts
                then 'no_real_counts_for_interval'
            when
                intervals.lower_ci_95 is null or intervals.upper_ci_95 is null
                then 'no_confidence_interval_for_figure'
        end as not_compared_reason
    from intervals
    {% for alias, group_type, group_code in [
        ('england', 'england', none),
        ('region', 'nhs_region', 'intervals.nhs_region_code'),
        ('peers', 'peer_group', 'intervals.peer_group_code'),
    ] %}
        left join group_values as {{ alias }}
            on {{ alias }}.group_type = '{{ group_type }}'
            {% if group_code %}and {{ group_code }} = {{ alias }}.group_code{% endif %}
            and intervals.comparator_vintage = {{ alias }}.icb_vintage
            and intervals.indicator_id = {{ alias }}.indicator_id
            and intervals.period = {{ alias }}.period
    {% endfor %}
    -- 'icb' is the registry's id of the integrated care boards
    left join figures as parent
        on parent.area_type = 'icb'
        and intervals.parent_icb_vintage = parent.area_vintage
        and intervals.parent_icb_code = parent.area_code
        and intervals.indicator_id = parent.indicator_id
        and intervals.period = parent.period
),

directions as (
    select
        *,
        case
            when not_compared_reason is not null then null
            when lower_ci_95 > england_value then 'higher'
            when upper_ci_95 < england_value then 'lower'
            else 'similar'
        end as direction_95,
        case
            when not_compared_reason is not null then null
            when lower_ci_998 > england_value then 'higher'
            when upper_ci_998 < england_value then 'lower'
            else 'similar'
        end as direction_998
    from compared
),

ranks as (
    select
        area_type,
        area_vintage,
        area_code,
        indicator_id,
        period,
        rank() over (
            partition by area_type, area_vintage, indicator_id, period
            order by {{ rank_value("case when polarity = 'higher_is_better' then -value else value end") }}
        ) as rank,
        count(*) over (partition by area_type, area_vintage, indicator_id, period) as rank_of
    from directions
    where
        value is not null
        and polarity != 'not_applicable'
        and not is_count
        and not is_mean_of_la_values
        and is_above_compare_floor
),

final as (
    select
        directions.area_type,
        directions.area_code,
        directions.area_name,
        directions.area_vintage,
        directions.nhs_region_code,
        directions.nhs_region_name,
        directions.indicator_id,
        directions.domain,
        directions.period,
        directions.period_start,
        directions.value,
        directions.unit,
        directions.polarity,
        directions.value_status,
        directions.method,
        directions.coverage,
        directions.counts_basis,
        directions.ci_method,
        directions.lower_ci_95,
        directions.upper_ci_95,
        directions.lower_ci_998,
        directions.upper_ci_998,
        directions.england_value,
        directions.england_value_status,
        directions.england_value_source,
        directions.region_value,
        directions.region_value_source,
        directions.peer_group_value,
        case
            when not directions.is_count and directions.is_above_compare_floor
                then directions.value - directions.england_value
        end as gap_to_england,
        case
            when not directions.is_count and directions.is_above_compare_floor
                then
                    100
                    * (directions.value - directions.england_value)
                    / nullif(abs(directions.england_value), 0)
        end as gap_to_england_percent,
        cast(ranks.rank as integer) as rank,
        cast(ranks.rank_of as integer) as rank_of,
        cast(1 + floor(5 * (ranks.rank - 1) / ranks.rank_of) as integer) as quintile,
        {% for level in ['95', '998'] %}
            case
                when directions.direction_{{ level }} is null then 'not_compared'
                when directions.direction_{{ level }} = 'similar' then 'similar'
                when
                    (directions.direction_{{ level }} = 'higher') = (directions.polarity = 'higher_is_better')
                    then 'better'
                else 'worse'
            end as significance_{{ level }},
        {% endfor %}
        case
            when directions.not_compared_reason is null
                then
                    'england_value_outside_'
                    || case when directions.area_type = 'icb' then 'icb' else 'area' end
                    || '_ci_' || directions.ci_method
        end as significance_method,
        directions.not_compared_reason,
        directions.parent_icb_vintage,
        directions.parent_icb_code,
        directions.parent_icb_name,
        directions.parent_icb_value
    from directions
    left join ranks
        on directions.area_type = ranks.area_type
        and directions.area_vintage = ranks.area_vintage
        and directions.area_code = ranks.area_code
        and directions.indicator_id = ranks.indicator_id
        and directions.period = ranks.period
)

select * from final

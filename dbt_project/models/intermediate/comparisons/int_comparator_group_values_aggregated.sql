-- Each comparator group's value of every indicator and period, aggregated from its member ICBs' figures with
-- the rule the indicator's ICB figures use: counts are summed; rates, proportions and means are weighted by
-- their denominators (sum of value x denominator over sum of denominators, which for a ratio of sums is
-- exactly the group's sum of numerators over its sum of denominators). Published ICB figures that carry no
-- denominator (Health Index) are weighted by Census 2021 residents. Not-aggregable statistics get no group
-- value. Only members at or above the comparison coverage floor (var coverage_floor_compare) count: a member
-- resting on part of its ground would drag the group towards the covered part. Where the publisher gives
-- England or the region itself, int_comparator_values_reconciled prefers that and keeps this as a check.

with

groups as (
    select * from {{ ref('int_icb_comparator_groups_listed') }}
),

figures as (
    -- a figure below the comparison coverage floor does not count as a member's value
    select
        * replace (
            case when coverage >= {{ var('coverage_floor_compare') }} then value end as value,
            case when coverage >= {{ var('coverage_floor_compare') }} then numerator end as numerator,
            case when coverage >= {{ var('coverage_floor_compare') }} then denominator end as denominator
        )
    from {{ ref('int_icb_indicator_figures_unioned') }}
),

registry as (
    select * from {{ ref('indicator_registry') }}
),

icbs as (
    select * from {{ ref('icbs') }}
),

group_sizes as (
    select
        group_type,
        group_code,
        icb_vintage,
        count(*) as members
    from groups
    group by all
),

member_figures as (
    select
        groups.group_type,
        groups.group_code,
        groups.group_name,
        groups.icb_vintage,
        figures.indicator_id,
        figures.period,
        figures.period_start,
        figures.unit,
        {{ aggregation_kind('registry.aggregation') }} as aggregation_kind,
        figures.value,
        figures.value_status,
        figures.numerator,
        figures.denominator,
        coalesce(figures.denominator, icbs.usual_residents_2021) as weight,
        figures.denominator is null and figures.value is not null as is_weighted_by_residents
    from groups
    inner join figures
        on groups.icb_vintage = figures.icb_vintage
        and groups.member_icb_code = figures.icb_code
    inner join registry on figures.indicator_id = registry.indicator_id
    inner join icbs
        on groups.icb_vintage = icbs.icb_vintage
        and groups.member_icb_code = icbs.icb_code
),

aggregated as (
    select
        group_type,
        group_code,
        group_name,
        icb_vintage,
        indicator_id,
        period,
        period_start,
        unit,
        aggregation_kind,
        count(value) as members_with_value,
        count(*) filter (where value_status = 'ok') as members_ok,
        bool_or(is_weighted_by_residents) as any_weighted_by_residents,
        sum(value) as value_total,
        sum(value * weight) / nullif(sum(weight) filter (where value is not null), 0) as value_weighted,
        sum(numerator) filter (where value is not null) as numerator,
        sum(denominator) filter (where value is not null) as denominator
    from member_figures
    group by all
),

final as (
    select
        aggregated.group_type,
        aggregated.group_code,
        aggregated.group_name,
        aggregated.icb_vintage,
        aggregated.indicator_id,
        aggregated.period,
        aggregated.period_start,
        aggregated.unit,
        case
            when aggregated.aggregation_kind in ('not_aggregable', 'count_not_additive') then null
            when aggregated.aggregation_kind = 'count' then aggregated.value_total
            else aggregated.value_weighted
        end as value,
        aggregated.numerator,
        aggregated.denominator,
        case
            when aggregated.aggregation_kind in ('not_aggregable', 'count_not_additive') then 'not_aggregable'
            when aggregated.members_with_value = 0 then 'missing'
            when aggregated.members_ok < group_sizes.members then 'partial'
            else 'ok'
        end as value_status,
        case
            when aggregated.aggregation_kind in ('not_aggregable', 'count_not_additive') then 'not_aggregable'
            when aggregated.aggregation_kind = 'count' then 'sum_of_icb_figures'
            when aggregated.any_weighted_by_residents then 'mean_weighted_by_residents'
            else 'mean_weighted_by_denominator'
        end as aggregation_method,
        cast(group_sizes.members as integer) as members,
        cast(aggregated.members_with_value as integer) as members_with_value
    from aggregated
    inner join group_sizes
        on aggregated.group_type = group_sizes.group_type
        and aggregated.group_code = group_sizes.group_code
        and aggregated.icb_vintage = group_sizes.icb_vintage
)

select * from final

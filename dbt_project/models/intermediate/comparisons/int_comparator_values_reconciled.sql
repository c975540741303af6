-- The comparator each ICB figure is judged against: the publisher's own England (or NHS region) figure
-- wherever the source publishes one, else the aggregate rebuilt from the member ICBs, labelled as rebuilt.
-- The rebuilt aggregate is kept beside the publisher's figure as a reconciliation: how far it is from the
-- publisher, and the tolerance it must meet (the publisher's rounding bound, else 1%, unless the registry
-- declares a wider one with its reason: england_tolerance_percent, england_tolerance_reason). Only
-- reconcilable aggregates are held to it: sums and ratios of sums rebuilt from every member; a mean of LA
-- values, a group missing members or a non-aggregable statistic is reported but not gated.

with

rebuilt as (
    select * from {{ ref('int_comparator_group_values_aggregated') }}
),

published as (
    select * from {{ ref('int_publisher_comparator_values_unioned') }}
),

registry as (
    select * from {{ ref('indicator_registry') }}
),

joined as (
    select
        rebuilt.*,
        registry.aggregation,
        registry.england_tolerance_percent,
        published.value as publisher_value,
        published.value_status as publisher_value_status,
        published.source_id as publisher_source_id,
        published.rounding_unit as publisher_rounding_unit
    from rebuilt
    inner join registry on rebuilt.indicator_id = registry.indicator_id
    left join published
        on rebuilt.indicator_id = published.indicator_id
        and rebuilt.group_type = published.group_type
        and rebuilt.group_code = published.group_code
        and rebuilt.period = published.period
        and published.value is not null
),

reconciled as (
    select
        *,
        value as rebuilt_value,
        value - publisher_value as rebuilt_minus_publisher,
        -- the larger of the publisher's rounding bound and the declared (default 1%) relative tolerance
        greatest(
            coalesce(publisher_rounding_unit / 2, 0),
            abs(publisher_value) * coalesce(england_tolerance_percent, 1.0) / 100
        ) as tolerance,
        case
            when publisher_value is null then 'no_publisher_value'
            when value is null then 'not_rebuilt'
            when aggregation in ('population_weighted_mean_of_la_values', 'population_weighted_mean')
                then 'not_reconcilable_mean_of_area_values'
            when members_with_value < members then 'not_reconcilable_members_missing'
        end as reconciliation_exemption
    from joined
),

final as (
    select
        group_type,
        group_code,
        group_name,
        icb_vintage,
        indicator_id,
        period,
        period_start,
        unit,
        coalesce(publisher_value, value) as value,
        case when publisher_value is not null then 'publisher' else 'rebuilt_from_icbs' end as value_source,
        publisher_source_id,
        rebuilt_value,
        publisher_value,
        rebuilt_minus_publisher,
        tolerance,
        case
            when reconciliation_exemption is not null then reconciliation_exemption
            when abs(rebuilt_minus_publisher) <= tolerance + 1e-9 then 'within_tolerance'
            else 'outside_tolerance'
        end as reconciliation_status,
        numerator,
        denominator,
        case when publisher_value is not null then publisher_value_status else value_status end
            as value_status,
        aggregation_method,
        members,
        members_with_value
    from reconciled
)

select * from final

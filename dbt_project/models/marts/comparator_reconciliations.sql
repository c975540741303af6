-- The reconciliation of every rebuilt England and NHS region aggregate with the publisher's own figure, one
-- row per group, vintage, indicator and period where the publisher gives one. within_tolerance rows are the
-- evidence that the ICB figures add up to the publisher's England; outside_tolerance rows block publication
-- (expectations/marts_comparator_reconciliations.yml); exempt rows say why they are not held to it.

with

reconciled as (
    select * from {{ ref('int_comparator_values_reconciled') }}
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
        publisher_source_id,
        publisher_value,
        rebuilt_value,
        rebuilt_minus_publisher,
        rebuilt_minus_publisher / nullif(abs(publisher_value), 0) as relative_difference,
        tolerance,
        reconciliation_status,
        members,
        members_with_value
    from reconciled
    where publisher_value is not null
)

select * from final

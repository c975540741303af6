with

compared as (
    select * from {{ ref('int_icb_reconciliations_compared') }}
),

final as (
    select
        source_id,
        derived_source_id,
        indicator_id,
        icb_vintage,
        icb_code,
        period,
        period_start,
        published_value,
        derived_value,
        derived_method,
        derived_value_status,
        derived_coverage,
        difference,
        absolute_difference,
        relative_difference
    from compared
)

select * from final

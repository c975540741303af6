with

group_values as (
    select * from {{ ref('int_comparator_values_reconciled') }}
),

final as (
    select * from group_values
)

select * from final

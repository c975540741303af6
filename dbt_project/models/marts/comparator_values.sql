with

group_values as (
    select * from {{ ref('int_comparator_group_values_aggregated') }}
),

final as (
    select * from group_values
)

select * from final

with

figures as (
    select * from {{ ref('int_icb_indicator_figures_unioned') }}
),

final as (
    select * from figures
)

select * from final

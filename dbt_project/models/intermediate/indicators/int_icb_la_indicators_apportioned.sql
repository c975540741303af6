-- The ICB slice of int_area_la_indicators_apportioned: ICB figures from local-authority figures, rebuilt the
-- same way for every area type that takes LA figures apportioned.

with

area_figures as (
    select * from {{ ref('int_area_la_indicators_apportioned') }}
),

final as (
    select
        area_code as icb_code,
        area_vintage as icb_vintage,
        indicator_id,
        period,
        period_start,
        value,
        lower_ci,
        upper_ci,
        numerator,
        denominator,
        counts_basis,
        value_status,
        method,
        source_id,
        coverage
    from area_figures
    -- 'icb' is the registry's id of the integrated care boards
    where area_type = 'icb'
)

select * from final

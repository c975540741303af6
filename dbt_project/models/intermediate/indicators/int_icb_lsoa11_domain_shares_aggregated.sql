-- The ICB slice of int_area_lsoa11_domain_shares_aggregated: the IoD2019 domain shares for every area type
-- come from one model, made the same way for ICBs and the areas within them.

with

area_figures as (
    select * from {{ ref('int_area_lsoa11_domain_shares_aggregated') }}
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
        value_status,
        method,
        source_id,
        coverage
    from area_figures
    -- 'icb' is the registry's id of the integrated care boards
    where area_type = 'icb'
)

select * from final

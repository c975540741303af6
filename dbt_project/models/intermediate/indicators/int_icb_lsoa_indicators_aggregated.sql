-- The ICB slice of int_area_lsoa_indicators_aggregated: the same small-area sums (populations, IMD 2019 and
-- 2025 deprivation, fuel poverty) for every area type come from one model, so an ICB's figure and its
-- neighbourhoods' figures are made the same way.

with

area_figures as (
    select * from {{ ref('int_area_lsoa_indicators_aggregated') }}
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

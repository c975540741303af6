-- Every figure for every area of the registry of areas (areas.yaml): the columns of icb_indicators with the
-- area's type, code, name and vintage in place of the ICB's (int_area_indicator_figures_unioned). The ICB
-- slice is icb_indicators.

with

figures as (
    select * from {{ ref('int_area_indicator_figures_unioned') }}
),

final as (
    select * from figures
)

select * from final

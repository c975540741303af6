-- The ICB slice of int_area_population_bases_aggregated: each ICB's population on every basis, per vintage.

with

area_populations as (
    select * from {{ ref('int_area_population_bases_aggregated') }}
),

final as (
    select
        area_code as icb_code,
        area_vintage as icb_vintage,
        population_basis,
        population
    from area_populations
    -- 'icb' is the registry's id of the integrated care boards
    where area_type = 'icb'
)

select * from final

-- The ICB slice of int_la_area_weights_derived: apportionment weights from local authorities to ICBs, per ICB
-- vintage and population basis, made the same way as for every area type that takes LA figures apportioned.

with

area_weights as (
    select * from {{ ref('int_la_area_weights_derived') }}
),

final as (
    select
        la_code,
        area_vintage as icb_vintage,
        area_code as icb_code,
        population_basis,
        lsoa21_count,
        population,
        share_of_la_population,
        is_split_la
    from area_weights
    -- 'icb' is the registry's id of the integrated care boards
    where area_type = 'icb'
)

select * from final

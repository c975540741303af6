-- LSOA measures by local IMD decile within each ICB: the ICB's LSOAs ranked by IMD score and cut into ten
-- groups of about equal population (int_icb_imd_local_deciles_ranked), the quantiles icb_inequality_gaps' SII
-- and RII are fitted on. Same columns as icb_deprivation_decile_breakdowns (national deciles).

with

deciles as (
    select * from {{ ref('int_icb_imd_local_decile_measures_aggregated') }}
),

icbs as (
    select * from {{ ref('icbs') }}
),

registry as (
    select * from {{ ref('indicators') }}
),

final as (
    select
        deciles.icb_code,
        icbs.icb_name,
        deciles.icb_vintage,
        deciles.measure_id,
        -- the population distribution is not an ICB indicator, so it has no registry entry
        coalesce(registry.title, 'Residents living in LSOAs of the local IMD decile') as measure_title,
        deciles.period,
        deciles.imd_edition,
        deciles.imd_decile,
        deciles.numerator,
        deciles.denominator,
        deciles.value,
        deciles.unit,
        deciles.value_status,
        deciles.population_share,
        deciles.method,
        deciles.source_id
    from deciles
    inner join icbs
        on deciles.icb_code = icbs.icb_code
        and deciles.icb_vintage = icbs.icb_vintage
    left join registry on deciles.measure_id = registry.id
)

select * from final

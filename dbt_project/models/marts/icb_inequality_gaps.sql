with

gradients as (
    select * from {{ ref('int_icb_imd_decile_gradients_fitted') }}
),

icbs as (
    select * from {{ ref('icbs') }}
),

registry as (
    select * from {{ ref('indicators') }}
),

final as (
    select
        gradients.icb_code,
        icbs.icb_name,
        gradients.icb_vintage,
        gradients.measure_id,
        registry.title as measure_title,
        gradients.period,
        gradients.imd_edition,
        gradients.unit,
        gradients.overall_value,
        gradients.deciles_present,
        gradients.most_deprived_decile_present,
        gradients.least_deprived_decile_present,
        gradients.sii,
        gradients.rii,
        gradients.sii_method,
        gradients.gap_most_minus_least_deprived,
        gradients.is_computed,
        gradients.not_computed_reason,
        gradients.method,
        gradients.source_id
    from gradients
    inner join icbs
        on gradients.icb_code = icbs.icb_code
        and gradients.icb_vintage = icbs.icb_vintage
    inner join registry on gradients.measure_id = registry.id
)

select * from final

-- One row per ICB, vintage, outcome measure, period and IMD edition: the slope and relative index of
-- inequality as PHEindicatormethods::phe_sii computes them over the ICB's local IMD deciles, with simulated
-- 95% and 99.8% limits (int_icb_local_decile_sii_simulated), beside the national-decile gradient and gap.

with

gradients as (
    select * from {{ ref('int_icb_imd_decile_gradients_fitted') }}
),

local_sii as (
    select * from {{ ref('int_icb_local_decile_sii_simulated') }}
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
        local_sii.sii,
        local_sii.rii,
        'phe_sii_local_deciles' as sii_method,
        gradients.gap_most_minus_least_deprived,
        local_sii.sii is not null as is_computed,
        case
            when local_sii.sii is null
                then coalesce(local_sii.not_computed_reason, 'no local deciles for the series')
        end as not_computed_reason,
        gradients.method,
        gradients.source_id,
        local_sii.sii_lower_95,
        local_sii.sii_upper_95,
        local_sii.sii_lower_998,
        local_sii.sii_upper_998,
        local_sii.rii_lower_95,
        local_sii.rii_upper_95,
        local_sii.rii_lower_998,
        local_sii.rii_upper_998,
        format('simulation {} reps', local_sii.sii_repetitions) as sii_ci_method,
        coalesce(local_sii.quantiles_used, 0) as local_deciles_used,
        gradients.national_decile_sii,
        gradients.national_decile_sii_not_computed_reason
    from gradients
    inner join icbs
        on gradients.icb_code = icbs.icb_code
        and gradients.icb_vintage = icbs.icb_vintage
    inner join registry on gradients.measure_id = registry.id
    left join local_sii
        on gradients.icb_code = local_sii.icb_code
        and gradients.icb_vintage = local_sii.icb_vintage
        and gradients.measure_id = local_sii.measure_id
        and gradients.period = local_sii.period
        and gradients.imd_edition = local_sii.imd_edition
)

select * from final

-- Published ICB figures set against the same figure built another way for the same ICB vintage: one row per
-- (source_id, indicator_id, icb_vintage, icb_code, period) where both exist. The ONS Health Index ICB22
-- scores against the population-weighted mean of the LAD21 scores on the ICB22 boundaries; Fingertips ICB22
-- figures (91547 QOF smoking, 93495 common mental disorders) against the sum of their sub-ICB locations' or
-- local authorities' counts over the sum of their denominators (int_icb_fingertips_indicators_rebuilt).
-- source_id is the published figure's source; derived_source_id the one the derived figure came from.

with

published as (
    select * from {{ ref('int_icb_health_figures_published') }}
),

rebuilt as (
    select * from {{ ref('int_icb_fingertips_indicators_rebuilt') }}
),

la_figures as (
    select * from {{ ref('int_icb_la_indicators_apportioned') }}
),

derived as (
    select
        icb_code,
        icb_vintage,
        indicator_id,
        period,
        source_id,
        value,
        denominator,
        value_status,
        method,
        coverage
    from rebuilt
    union all
    select
        icb_code,
        icb_vintage,
        indicator_id,
        period,
        source_id,
        value,
        denominator,
        value_status,
        method,
        coverage
    from la_figures
    where indicator_id in (select published.indicator_id from published)
),

compared as (
    select
        published.source_id,
        derived.source_id as derived_source_id,
        published.indicator_id,
        published.icb_vintage,
        published.icb_code,
        published.period,
        published.period_start,
        published.value as published_value,
        derived.value as derived_value,
        derived.method as derived_method,
        derived.value_status as derived_value_status,
        derived.coverage as derived_coverage,
        published.denominator as published_denominator,
        derived.denominator as derived_denominator,
        derived.value - published.value as difference
    from published
    inner join derived
        on published.icb_code = derived.icb_code
        and published.icb_vintage = derived.icb_vintage
        and published.indicator_id = derived.indicator_id
        and published.period = derived.period
    where published.value is not null and derived.value is not null
),

final as (
    select
        source_id,
        derived_source_id,
        indicator_id,
        icb_vintage,
        icb_code,
        period,
        period_start,
        published_value,
        derived_value,
        derived_method,
        derived_value_status,
        derived_coverage,
        published_denominator,
        derived_denominator,
        difference,
        abs(difference) as absolute_difference,
        abs(difference) / nullif(abs(published_value), 0) as relative_difference
    from compared
)

select * from final

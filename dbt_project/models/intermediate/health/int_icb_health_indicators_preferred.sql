-- One figure per ICB, vintage, indicator and period for the health indicators that a publisher also
-- published at ICB level (ONS Health Index, Fingertips 91547 and 93495): the publisher's own ICB figure where
-- there is one for that vintage (method published_icb), otherwise the figure built here. Built figures come
-- from the Fingertips rebuild (int_icb_fingertips_indicators_rebuilt: sub-ICB locations or local authorities,
-- counts summed) and, for the Health Index, from the LA pipeline (a labelled population-weighted mean of
-- LAD21 scores). The LA pipeline also builds ICB22 Health Index rows; the published ICB22 scores replace them
-- here, so icb_indicators must take these indicators from this model only (not also from
-- int_icb_la_indicators_apportioned).

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

published_figures as (
    select
        icb_code,
        icb_vintage,
        indicator_id,
        period,
        period_start,
        value,
        lower_ci,
        upper_ci,
        numerator,
        denominator,
        value_status,
        'published_icb' as method,
        source_id,
        cast(1 as double) as coverage
    from published
),

built_figures as (
    select
        icb_code,
        icb_vintage,
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
    from rebuilt
    union all
    select
        icb_code,
        icb_vintage,
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
    from la_figures
    where indicator_id in (select published.indicator_id from published)
),

final as (
    select * from published_figures
    union all
    select built_figures.*
    from built_figures
    where not exists (
        select published_figures.icb_code
        from published_figures
        where
            published_figures.icb_code = built_figures.icb_code
            and published_figures.icb_vintage = built_figures.icb_vintage
            and published_figures.indicator_id = built_figures.indicator_id
            and published_figures.period = built_figures.period
    )
)

select * from final

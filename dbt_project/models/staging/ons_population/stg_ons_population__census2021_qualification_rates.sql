-- Census 2021 highest qualification per lower-tier authority, as the tidy local-figure layout the LA pipeline
-- reads (the columns of an Explore Local Statistics staging model): the percentage of residents aged 16+ with
-- level 4 qualifications or above, and with none, with the counts behind them. Category -8 (aged under 16) is
-- outside the denominator.

with

source as (
    select * from {{ source('ons_population', 'ons_census2021_qualifications_lad21') }}
),

counts as (
    select
        la_code,
        any_value(la_name) as la_name,
        sum(cast(residents as integer)) filter (where category_code <> '-8') as residents_aged_16_plus,
        sum(cast(residents as integer)) filter (where category_code = '5') as level_4_plus,
        sum(cast(residents as integer)) filter (where category_code = '0') as no_qualifications
    from source
    group by la_code
),

renamed as (
    select
        'ons_census2021_qualifications_lad21' as source_id,
        counts.la_code as area_code,
        counts.la_name as area_name,
        'Local Authority District' as area_geography,
        measures.indicator_name,
        '2021' as period_published,
        '2021' as period,
        date '2021-03-21' as period_start,
        100.0 * measures.residents / counts.residents_aged_16_plus as value,
        cast(null as double) as lower_ci_95,
        cast(null as double) as upper_ci_95,
        -- the Census counts themselves, so ICB shares are sums of counts rather than rates re-weighted by
        -- another population
        cast(measures.residents as double) as numerator,
        cast(counts.residents_aged_16_plus as double) as denominator,
        '%' as unit,
        'ok' as value_status
    from counts
    cross join lateral (
        values
        ('Level 4 qualifications and above', counts.level_4_plus),
        ('No qualifications', counts.no_qualifications)
    ) as measures (indicator_name, residents)
)

select * from renamed

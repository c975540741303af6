-- Census 2021 TS066 per upper-tier authority in the tidy local-figure layout the LA pipeline reads (the
-- columns of an Explore Local Statistics staging model): residents aged 16+ economically inactive because
-- long-term sick or disabled, as a percentage of all residents aged 16+ and of the economically inactive,
-- with the counts behind them. Counts only (measure 20100), each category by its numeric code: 0 all aged
-- 16+, 1011 the inactive (a subtotal), 18 long-term sick or disabled (a leaf).

with

source as (
    select * from {{ source('ons_population', 'ons_census2021_economic_activity_utla23') }}
),

counts as (
    select
        la_code,
        any_value(la_name) as la_name,
        sum(cast(observation as bigint)) filter (where category_code = '0') as residents_aged_16_plus,
        sum(cast(observation as bigint)) filter (where category_code = '1011') as economically_inactive,
        sum(cast(observation as bigint)) filter (where category_code = '18') as long_term_sick_or_disabled
    from source
    where measure_code = '20100'
    group by la_code
),

renamed as (
    select
        'ons_census2021_economic_activity_utla23' as source_id,
        counts.la_code as area_code,
        counts.la_name as area_name,
        'Upper Tier Local Authority' as area_geography,
        measures.indicator_name,
        '2021' as period_published,
        '2021' as period,
        date '2021-03-21' as period_start,
        100.0 * counts.long_term_sick_or_disabled / measures.denominator as value,
        cast(null as double) as lower_ci_95,
        cast(null as double) as upper_ci_95,
        -- the Census counts themselves, so ICB shares are sums of counts, not rates re-weighted
        cast(counts.long_term_sick_or_disabled as double) as numerator,
        cast(measures.denominator as double) as denominator,
        '%' as unit,
        'ok' as value_status
    from counts
    cross join lateral (
        values
        ('Inactive long-term sick or disabled, share of residents aged 16+', counts.residents_aged_16_plus),
        (
            'Inactive long-term sick or disabled, share of the economically inactive',
            counts.economically_inactive
        )
    ) as measures (indicator_name, denominator)
)

select * from renamed

{{ config(meta={'dagster': {'ref': {'name': 'int_la_indicator_values_unioned'}}}) }}

-- A local-authority indicator must not count a small area twice in one period (e.g. a county and its
-- districts, or an old and a new code for the same place).
-- Two codes can only count an LSOA twice if their areas overlap, so the check pairs up overlapping codes once
-- (a few thousand pairs) instead of expanding every figure to its LSOAs (millions of rows).
-- Returns the offending (indicator, period, pair of codes) rows with how many LSOAs they share. Only figures
-- count: a code listed without one ("x" for a unitary before it existed) adds nothing to any ICB.

with

la_values as (
    select distinct
        indicator_id,
        la_code,
        period
    from {{ ref('int_la_indicator_values_unioned') }}
    where value is not null
),

memberships as (
    select * from {{ ref('int_la_lsoa21_memberships_unioned') }}
),

overlapping_codes as (
    select
        first_code.la_code,
        second_code.la_code as overlapping_la_code,
        count(*) as shared_lsoas
    from memberships as first_code
    inner join memberships as second_code
        on first_code.lsoa21_code = second_code.lsoa21_code
        and first_code.la_code < second_code.la_code
    group by first_code.la_code, second_code.la_code
),

final as (
    select
        first_value.indicator_id,
        first_value.period,
        overlapping_codes.la_code,
        overlapping_codes.overlapping_la_code,
        overlapping_codes.shared_lsoas
    from la_values as first_value
    inner join overlapping_codes on first_value.la_code = overlapping_codes.la_code
    inner join la_values as second_value
        on first_value.indicator_id = second_value.indicator_id
        and first_value.period = second_value.period
        and overlapping_codes.overlapping_la_code = second_value.la_code
)

select * from final

{{ config(meta={'dagster': {'ref': {'name': 'int_la_indicator_values_unioned'}}}) }}

-- A local-authority indicator must not count a small area twice in one period (e.g. a county and its
-- districts, or an old and a new code for the same place).
-- Returns the offending (indicator, period, LSOA) rows.

with

la_values as (
    select distinct
        indicator_id,
        la_code,
        period
    from {{ ref('int_la_indicator_values_unioned') }}
),

memberships as (
    select * from {{ ref('int_la_lsoa21_memberships_unioned') }}
),

final as (
    select
        la_values.indicator_id,
        la_values.period,
        memberships.lsoa21_code,
        list(la_values.la_code order by la_values.la_code) as la_codes
    from la_values
    inner join memberships on la_values.la_code = memberships.la_code
    group by all
    having count(*) > 1
)

select * from final

{{ config(meta={'dagster': {'ref': {'name': 'int_icb_primary_care_breakdowns_joined'}}}) }}

-- Every ICB22 and ICB24 (42 each) has rows for every HEEC indicator and year, and there are no ICB26 rows.
-- Returns the (indicator, period, vintage) groups with another ICB count.

with

breakdowns as (
    select * from {{ ref('int_icb_primary_care_breakdowns_joined') }}
),

counts as (
    select
        indicator_id,
        period,
        icb_vintage,
        count(distinct icb_code) as icbs
    from breakdowns
    group by indicator_id, period, icb_vintage
),

final as (
    select * from counts
    where icbs != 42 or icb_vintage not in ('ICB22', 'ICB24')
)

select * from final

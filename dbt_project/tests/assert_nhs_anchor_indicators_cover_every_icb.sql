{{ config(meta={'dagster': {'ref': {'name': 'int_icb_nhs_anchor_indicators_aggregated'}}}) }}

-- Every ICB of every vintage has a value for every NHS anchor indicator and period: 42 ICB22s, 42 ICB24s and
-- 36 ICB26s. Returns the (indicator, period, vintage) groups with another count.

with

figures as (
    select * from {{ ref('int_icb_nhs_anchor_indicators_aggregated') }}
),

counts as (
    select
        indicator_id,
        period,
        icb_vintage,
        count(distinct icb_code) filter (where value is not null) as icbs_with_value,
        case icb_vintage when 'ICB26' then 36 else 42 end as expected_icbs
    from figures
    group by indicator_id, period, icb_vintage
),

final as (
    select * from counts
    where icbs_with_value != expected_icbs
)

select * from final

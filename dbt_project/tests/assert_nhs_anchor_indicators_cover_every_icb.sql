{{ config(meta={'dagster': {'ref': {'name': 'int_icb_nhs_anchor_indicators_aggregated'}}}) }}

-- Every ICB of every vintage in the registry of areas has a value for every NHS anchor indicator and
-- period, as many ICBs as the registry's expected_areas (42 ICB22s, 42 ICB24s, 36 ICB26s). Returns the
-- (indicator, period, vintage) groups with another count, a declared vintage with no figures included.

with

figures as (
    select * from {{ ref('int_icb_nhs_anchor_indicators_aggregated') }}
),

declared as (
    {{ area_vintages_declared() }}
),

icb_vintages as (
    select
        area_vintage as icb_vintage,
        expected_areas as expected_icbs
    from declared
    where area_type = 'icb'
),

indicator_periods as (
    select distinct
        indicator_id,
        period
    from figures
),

counts as (
    select
        indicator_id,
        period,
        icb_vintage,
        count(distinct icb_code) filter (where value is not null) as icbs_with_value
    from figures
    group by indicator_id, period, icb_vintage
),

final as (
    select
        indicator_periods.indicator_id,
        indicator_periods.period,
        icb_vintages.icb_vintage,
        coalesce(counts.icbs_with_value, 0) as icbs_with_value,
        icb_vintages.expected_icbs
    from indicator_periods
    cross join icb_vintages
    left join counts
        on
        indicator_periods.indicator_id = counts.indicator_id
        and indicator_periods.period = counts.period
        and icb_vintages.icb_vintage = counts.icb_vintage
    where coalesce(counts.icbs_with_value, 0) is distinct from icb_vintages.expected_icbs
)

select * from final

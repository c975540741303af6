-- How each ICB stands against England in each Step 1 domain, on the latest period of each indicator that has
-- a figure for the ICB: counts of indicators significantly better, similar or worse at the 95% level, or not
-- compared, and how many of them are getting worse.

with

comparisons as (
    select * from {{ ref('icb_indicator_comparisons') }}
),

registry as (
    select * from {{ ref('indicators') }}
),

icbs as (
    select * from {{ ref('icbs') }}
),

latest as (
    select *
    from comparisons
    where value is not null
    qualify row_number() over (
        partition by icb_code, icb_vintage, indicator_id order by period_start desc, period desc
    ) = 1
),

registered as (
    select
        domain,
        count(*) as indicators_registered
    from registry
    group by domain
),

counted as (
    select
        icbs.icb_code,
        icbs.icb_name,
        icbs.icb_vintage,
        registered.domain,
        registered.indicators_registered,
        count(latest.indicator_id) as indicators_with_figures,
        count(*) filter (where latest.significance_95 = 'better') as significantly_better,
        count(*) filter (where latest.significance_95 = 'similar') as not_significantly_different,
        count(*) filter (where latest.significance_95 = 'worse') as significantly_worse,
        count(*) filter (where latest.significance_95 = 'not_compared') as not_compared,
        count(*) filter (where latest.trend_assessment = 'getting_worse') as getting_worse,
        count(*) filter (where latest.trend_assessment = 'getting_better') as getting_better,
        count(*) filter (where latest.significance_95 = 'worse' and latest.trend_assessment = 'getting_worse')
            as significantly_worse_and_getting_worse
    from icbs
    cross join registered
    left join latest
        on icbs.icb_code = latest.icb_code
        and icbs.icb_vintage = latest.icb_vintage
        and registered.domain = latest.domain
    group by all
),

final as (
    select
        icb_code,
        icb_name,
        icb_vintage,
        domain,
        cast(indicators_registered as integer) as indicators_registered,
        cast(indicators_with_figures as integer) as indicators_with_figures,
        cast(significantly_better as integer) as significantly_better,
        cast(not_significantly_different as integer) as not_significantly_different,
        cast(significantly_worse as integer) as significantly_worse,
        cast(not_compared as integer) as not_compared,
        cast(getting_better as integer) as getting_better,
        cast(getting_worse as integer) as getting_worse,
        cast(significantly_worse_and_getting_worse as integer) as significantly_worse_and_getting_worse
    from counted
)

select * from final

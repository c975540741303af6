{{ config(meta={'dagster': {'ref': {'name': 'int_icb_nhs_anchor_indicators_aggregated'}}}) }}

-- ERIC figures are sums over trusts, so in every vintage the ICB figures must add up to the England total of
-- the returns attributed to an ICB (the same returns in every vintage). Returns the indicators, years and
-- vintages where they do not (relative difference above 1e-9).

with

figures as (
    select * from {{ ref('int_icb_nhs_anchor_indicators_aggregated') }}
),

returns as (
    select * from {{ ref('int_nhs_eric_returns_icbs_attributed') }}
),

england_totals as (
    select
        period,
        icb_vintage,
        sum(estates_facilities_running_cost_gbp) as nhs_trust_estates_facilities_running_cost,
        sum(contracted_out_services_gbp) as nhs_trust_contracted_out_services_value
    from returns
    where attribution_status = 'attributed'
    group by period, icb_vintage
),

england_long as (
    unpivot england_totals
    on
    nhs_trust_estates_facilities_running_cost,
    nhs_trust_contracted_out_services_value
    into name indicator_id value england_total
),

icb_totals as (
    select
        indicator_id,
        period,
        icb_vintage,
        sum(value) as icb_total
    from figures
    where method = 'organisation_hq' and indicator_id like 'nhs\_trust\_%' escape '\'
    group by indicator_id, period, icb_vintage
),

final as (
    select
        england_long.indicator_id,
        england_long.period,
        england_long.icb_vintage,
        england_long.england_total,
        icb_totals.icb_total
    from england_long
    left join icb_totals
        on england_long.indicator_id = icb_totals.indicator_id
        and england_long.period = icb_totals.period
        and england_long.icb_vintage = icb_totals.icb_vintage
    where
        abs(coalesce(icb_totals.icb_total, 0) - england_long.england_total)
        > 1e-9 * greatest(abs(england_long.england_total), 1)
)

select * from final

-- The NHS's own weight in each ICS (the "NHS as anchor institution" indicators), one row per ICB, vintage,
-- indicator and period, in the column layout of the other ICB indicator models.
--   organisation_hq: a trust's figures all go to the ICB where it is headquartered (ODS parent ICB). Used
--     for trust counts and the ERIC spending and planning figures (estates and facilities running costs,
--     services contracted out, sustainable development plans): contracts and plans sit with the
--     organisation. The ERIC estate, energy and carbon figures, which follow acute trusts' catchments, are
--     int_icb_nhs_estate_indicators_aggregated's (nhs_estate_*).
--   catchment_apportioned: acute trusts' activity shared across ICBs by where their admitted patients live.
-- Counts and money are summed; the SDMP share is a sum of numerators over a sum of denominators. For ERIC,
-- coverage is the share of the ICB's attributed trust returns that have the figure; returns that cannot be
-- attributed to any ICB (no ODS record) are outside every ICB, as int_nhs_eric_returns_icbs_attributed shows.

with

icb_memberships as (
    select * from {{ ref('int_lsoa21_icb_memberships_unioned') }}
),

trust_icbs as (
    select * from {{ ref('int_nhs_trusts_icbs_assigned') }}
),

catchments as (
    select * from {{ ref('int_nhs_acute_trust_catchments_apportioned') }}
),

eric_returns as (
    select * from {{ ref('int_nhs_eric_returns_icbs_attributed') }}
),

icbs as (
    select distinct
        icb_code,
        icb_vintage
    from icb_memberships
),

-- trusts headquartered in the ICB (open at the ODS extract, c. December 2024)
hq_trust_counts as (
    select
        icb_code,
        icb_vintage,
        count(*) as trusts
    from trust_icbs
    where is_open and icb_code is not null
    group by icb_code, icb_vintage
),

hq_trust_figures as (
    select
        icbs.icb_code,
        icbs.icb_vintage,
        'nhs_trusts_headquartered' as indicator_id,
        '2024' as period,
        make_date(2024, 12, 1) as period_start,
        'nhs_ods_trusts' as source_id,
        'organisation_hq' as method,
        cast(coalesce(hq_trust_counts.trusts, 0) as double) as value,
        cast(null as double) as numerator,
        cast(null as double) as denominator,
        1.0 as coverage
    from icbs
    left join hq_trust_counts
        on icbs.icb_code = hq_trust_counts.icb_code
        and icbs.icb_vintage = hq_trust_counts.icb_vintage
),

catchment_sums as (
    select
        icb_code,
        icb_vintage,
        count(*) filter (where admissions_share >= 0.1) as trusts_serving,
        sum(admissions_share) as trust_equivalents
    from catchments
    group by icb_code, icb_vintage
),

catchment_figures as (
    select
        icbs.icb_code,
        icbs.icb_vintage,
        'nhs_acute_trusts_serving_residents' as indicator_id,
        '2020' as period,
        make_date(2020, 1, 1) as period_start,
        case icbs.icb_vintage
            when 'ICB22' then 'ohid_trust22_icb22_catchment'
            else 'ohid_trust22_lad21_catchment'
        end as source_id,
        'catchment_apportioned' as method,
        cast(coalesce(catchment_sums.trusts_serving, 0) as double) as value,
        cast(null as double) as numerator,
        cast(null as double) as denominator,
        1.0 as coverage
    from icbs
    left join catchment_sums
        on icbs.icb_code = catchment_sums.icb_code
        and icbs.icb_vintage = catchment_sums.icb_vintage
    union all by name
    select
        icbs.icb_code,
        icbs.icb_vintage,
        'nhs_acute_trust_catchment_equivalents' as indicator_id,
        '2020' as period,
        make_date(2020, 1, 1) as period_start,
        case icbs.icb_vintage
            when 'ICB22' then 'ohid_trust22_icb22_catchment'
            else 'ohid_trust22_lad21_catchment'
        end as source_id,
        'catchment_apportioned' as method,
        coalesce(catchment_sums.trust_equivalents, 0) as value,
        cast(null as double) as numerator,
        cast(null as double) as denominator,
        1.0 as coverage
    from icbs
    left join catchment_sums
        on icbs.icb_code = catchment_sums.icb_code
        and icbs.icb_vintage = catchment_sums.icb_vintage
),

eric_periods as (
    select
        period,
        any_value(period_start) as period_start,
        any_value(source_id) as source_id,
        -- a figure no trust has in a year was not collected that year (contracted-out services, 2016/17)
        count(contracted_out_services_gbp) > 0 as collects_contracted_out_services
    from eric_returns
    group by period
),

eric_sums as (
    select
        icb_code,
        icb_vintage,
        period,
        count(*) as trust_returns,
        sum(estates_facilities_running_cost_gbp) as estates_facilities_running_cost_gbp,
        count(estates_facilities_running_cost_gbp) as estates_facilities_running_cost_returns,
        sum(contracted_out_services_gbp) as contracted_out_services_gbp,
        count(contracted_out_services_gbp) as contracted_out_services_returns,
        count(*) filter (where has_sdmp) as trusts_with_sdmp,
        count(has_sdmp) as trusts_answering_sdmp
    from eric_returns
    where attribution_status = 'attributed'
    group by icb_code, icb_vintage, period
),

-- every ICB in every ERIC year, so an ICB with no attributed return shows as missing rather than vanishing
eric_icb_years as (
    select
        icbs.icb_code,
        icbs.icb_vintage,
        eric_periods.period,
        eric_periods.period_start,
        eric_periods.source_id,
        eric_periods.collects_contracted_out_services,
        coalesce(eric_sums.trust_returns, 0) as trust_returns,
        eric_sums.estates_facilities_running_cost_gbp,
        eric_sums.estates_facilities_running_cost_returns,
        eric_sums.contracted_out_services_gbp,
        eric_sums.contracted_out_services_returns,
        eric_sums.trusts_with_sdmp,
        eric_sums.trusts_answering_sdmp
    from icbs
    cross join eric_periods
    left join eric_sums
        on icbs.icb_code = eric_sums.icb_code
        and icbs.icb_vintage = eric_sums.icb_vintage
        and eric_periods.period = eric_sums.period
),

eric_figures as (
    select
        icb_code,
        icb_vintage,
        'nhs_trust_estates_facilities_running_cost' as indicator_id,
        period,
        period_start,
        source_id,
        'organisation_hq' as method,
        estates_facilities_running_cost_gbp as value,
        cast(null as double) as numerator,
        cast(null as double) as denominator,
        coalesce(estates_facilities_running_cost_returns / nullif(trust_returns, 0), 0) as coverage
    from eric_icb_years
    union all by name
    select
        icb_code,
        icb_vintage,
        'nhs_trusts_with_sdmp_share' as indicator_id,
        period,
        period_start,
        source_id,
        'organisation_hq' as method,
        trusts_with_sdmp / nullif(trusts_answering_sdmp, 0) as value,
        cast(trusts_with_sdmp as double) as numerator,
        cast(trusts_answering_sdmp as double) as denominator,
        coalesce(trusts_answering_sdmp / nullif(trust_returns, 0), 0) as coverage
    from eric_icb_years
    union all by name
    select
        icb_code,
        icb_vintage,
        'nhs_trust_contracted_out_services_value' as indicator_id,
        period,
        period_start,
        source_id,
        'organisation_hq' as method,
        contracted_out_services_gbp as value,
        cast(null as double) as numerator,
        cast(null as double) as denominator,
        coalesce(contracted_out_services_returns / nullif(trust_returns, 0), 0) as coverage
    from eric_icb_years
    where collects_contracted_out_services
),

figures as (
    select * from hq_trust_figures
    union all by name
    select * from catchment_figures
    union all by name
    select * from eric_figures
),

final as (
    select
        icb_code,
        icb_vintage,
        indicator_id,
        period,
        period_start,
        cast(value as double) as value,
        cast(null as double) as lower_ci,
        cast(null as double) as upper_ci,
        numerator,
        denominator,
        case
            when value is null then 'missing'
            when coverage < 0.9999 then 'partial'
            else 'ok'
        end as value_status,
        method,
        source_id,
        cast(coverage as double) as coverage
    from figures
)

select * from final

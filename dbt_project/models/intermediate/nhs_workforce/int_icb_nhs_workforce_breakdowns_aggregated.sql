-- NHS trust HCHS FTE per ICB broken down by staff group and by nationality group, one row per ICB, vintage,
-- month, breakdown and group, in the layout of icb_indicator_breakdowns. value is the ICB's trust FTE in the
-- group (acute trusts by catchment, others by HQ); england_value the FTE of the group over all English NHS
-- trusts, which is the sum over the ICBs of any vintage because every trust's FTE is conserved across ICBs.
-- Every group appears for every ICB (0 where no FTE).

with

attributed as (
    select * from {{ ref('int_nhs_workforce_fte_icbs_attributed') }}
),

icb_periods as (
    select * from {{ ref('int_icb_nhs_workforce_fte_aggregated') }}
),

trust_fte as (
    select
        icb_code,
        icb_vintage,
        period,
        'staff_group' as breakdown,
        staff_group as breakdown_value,
        sum(fte) as fte
    from attributed
    where organisation_kind <> 'ccg'
    group by all
    union all
    select
        icb_code,
        icb_vintage,
        period,
        'nationality_group' as breakdown,
        nationality_group as breakdown_value,
        sum(fte) as fte
    from attributed
    where organisation_kind <> 'ccg'
    group by all
),

groups as (
    select distinct
        period,
        breakdown,
        breakdown_value
    from trust_fte
),

england as (
    select
        icb_vintage,
        period,
        breakdown,
        breakdown_value,
        sum(fte) as england_value
    from trust_fte
    group by all
),

final as (
    select
        icb_periods.icb_code,
        icb_periods.icb_vintage,
        'nhs_trust_hchs_fte' as indicator_id,
        icb_periods.period,
        groups.breakdown,
        groups.breakdown_value,
        coalesce(trust_fte.fte, 0) as value,
        england.england_value,
        icb_periods.trust_method as method,
        icb_periods.source_id
    from icb_periods
    inner join groups on icb_periods.period = groups.period
    left join trust_fte
        on icb_periods.icb_code = trust_fte.icb_code
        and icb_periods.icb_vintage = trust_fte.icb_vintage
        and icb_periods.period = trust_fte.period
        and groups.breakdown = trust_fte.breakdown
        and groups.breakdown_value = trust_fte.breakdown_value
    left join england
        on icb_periods.icb_vintage = england.icb_vintage
        and icb_periods.period = england.period
        and groups.breakdown = england.breakdown
        and groups.breakdown_value = england.breakdown_value
)

select * from final

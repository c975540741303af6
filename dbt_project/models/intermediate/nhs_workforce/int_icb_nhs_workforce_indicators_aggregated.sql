-- The NHS as employer, one row per ICB, vintage, indicator and month, in the column layout of the other ICB
-- indicator models (int_icb_indicator_figures_unioned):
--   nhs_trust_hchs_fte                      trust FTE (acute trusts by catchment, others by HQ): a count
--   nhs_trust_hchs_fte_per_1000_residents_16_64   that FTE per 1,000 Census 2021 residents aged 16-64
--   nhs_trust_hchs_fte_share_of_residents_in_employment   that FTE over the ICB's Census 2021
--                                           residents in employment (TS066, councils apportioned where split)
--   nhs_trust_hchs_fte_<group>_nationality_share  share of the trust FTE of each nationality group
--   nhs_ccg_hchs_fte                        CCG staff FTE, apart from trusts (CCG -> ICB lookup)
-- method: catchment_and_organisation_hq where the ICB's trust figure combines catchment-apportioned acute
-- trusts and HQ-attributed others (organisation_hq where no acute FTE reaches it); organisation_hq for CCGs.
-- FTE are not counts of people and carry no sampling error, so no interval is made.

with

fte as (
    select * from {{ ref('int_icb_nhs_workforce_fte_aggregated') }}
),

attributed as (
    select * from {{ ref('int_nhs_workforce_fte_icbs_attributed') }}
),

-- Census 2021 residents in employment of every ICB (int_area_... serves every area type; ICBs here)
residents_in_employment as (
    select
        area_vintage as icb_vintage,
        area_code as icb_code,
        in_employment,
        coverage
    from {{ ref('int_area_census2021_economic_activity_counts_apportioned') }}
    where area_type = 'icb'
),

nationality_groups as (
    select distinct nationality_group from {{ ref('nhs_nationality_groups') }}
),

nationality_sums as (
    select
        icb_code,
        icb_vintage,
        period,
        nationality_group,
        sum(fte) as fte
    from attributed
    where organisation_kind <> 'ccg'
    group by all
),

fte_figures as (
    select
        icb_code,
        icb_vintage,
        'nhs_trust_hchs_fte' as indicator_id,
        period,
        source_id,
        trust_method as method,
        trust_fte as value,
        cast(null as double) as numerator,
        cast(null as double) as denominator,
        1.0 as coverage
    from fte
    union all by name
    select
        icb_code,
        icb_vintage,
        'nhs_trust_hchs_fte_per_1000_residents_16_64' as indicator_id,
        period,
        source_id,
        trust_method as method,
        1000 * trust_fte / nullif(residents_16_64, 0) as value,
        trust_fte as numerator,
        residents_16_64 as denominator,
        age_band_coverage as coverage
    from fte
    union all by name
    select
        fte.icb_code,
        fte.icb_vintage,
        'nhs_trust_hchs_fte_share_of_residents_in_employment' as indicator_id,
        fte.period,
        fte.source_id,
        fte.trust_method as method,
        fte.trust_fte / nullif(residents_in_employment.in_employment, 0) as value,
        fte.trust_fte as numerator,
        residents_in_employment.in_employment as denominator,
        coalesce(residents_in_employment.coverage, 0) as coverage
    from fte
    left join residents_in_employment
        on fte.icb_code = residents_in_employment.icb_code
        and fte.icb_vintage = residents_in_employment.icb_vintage
    union all by name
    select
        icb_code,
        icb_vintage,
        'nhs_ccg_hchs_fte' as indicator_id,
        period,
        source_id,
        'organisation_hq' as method,
        ccg_fte as value,
        cast(null as double) as numerator,
        cast(null as double) as denominator,
        1.0 as coverage
    from fte
),

share_figures as (
    select
        fte.icb_code,
        fte.icb_vintage,
        'nhs_trust_hchs_fte_' || nationality_groups.nationality_group || '_nationality_share' as indicator_id,
        fte.period,
        fte.source_id,
        fte.trust_method as method,
        coalesce(nationality_sums.fte, 0) / nullif(fte.trust_fte, 0) as value,
        coalesce(nationality_sums.fte, 0) as numerator,
        fte.trust_fte as denominator,
        1.0 as coverage
    from fte
    cross join nationality_groups
    left join nationality_sums
        on fte.icb_code = nationality_sums.icb_code
        and fte.icb_vintage = nationality_sums.icb_vintage
        and fte.period = nationality_sums.period
        and nationality_groups.nationality_group = nationality_sums.nationality_group
),

figures as (
    select * from fte_figures
    union all by name
    select * from share_figures
),

final as (
    select
        icb_code,
        icb_vintage,
        indicator_id,
        period,
        cast(period || '-01' as date) as period_start,
        cast(value as double) as value,
        cast(null as double) as lower_ci,
        cast(null as double) as upper_ci,
        cast(numerator as double) as numerator,
        cast(denominator as double) as denominator,
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

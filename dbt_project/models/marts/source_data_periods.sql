-- The latest period each source's data covers, read from the figures themselves, never from when the file was
-- fetched: a file landed today whose newest figures are for 2019 is 2019 data. Staged figures are read
-- first (they hold every period the publisher released, including ones no indicator uses yet); sources whose
-- period is not written in the file (a census, a single-year estimate, an edition of the IMD) are read from
-- the periods their published figures carry. Lookups, boundaries and registers have no data period: they get
-- a reason. pipelines/freshness.py sets each period against the source's declared cadence and lag.

{%- set staged_figures = [
    'stg_desnz__fuel_poverty_la_rates',
    'stg_ohid_fingertips__life_expectancies',
    'stg_ohid_fingertips__life_expectancy_inequalities',
    'stg_ohid_fingertips__mental_disorder_prevalences',
    'stg_ohid_fingertips__qof_smoking_prevalences',
    'stg_ons_els__adult_obesity_prevalences',
    'stg_ons_els__apprenticeship_rates',
    'stg_ons_els__child_poverty_rates',
    'stg_ons_els__claimant_rates',
    'stg_ons_els__cvd_mortality_rates',
    'stg_ons_els__employment_rates',
    'stg_ons_els__fe_participation_rates',
    'stg_ons_els__gcse_attainments',
    'stg_ons_els__ghg_emissions',
    'stg_ons_els__healthy_life_expectancies',
    'stg_ons_els__household_incomes',
    'stg_ons_els__housing_affordabilities',
    'stg_ons_els__inactivity_long_term_sickness_shares',
    'stg_ons_els__ks2_attainments',
    'stg_ons_els__level3_qualification_rates',
    'stg_ons_els__no_qualification_rates',
    'stg_ons_els__productivities',
    'stg_ons_els__smoking_prevalences',
    'stg_ons_els__unemployment_rates',
    'stg_ons_els__weekly_pays',
    'stg_ons_els__wellbeing_scores',
    'stg_ons_health_index__icb22_scores',
    'stg_ons_health_index__lad21_scores',
    'stg_ons_population__census2021_qualification_rates',
    'stg_ons_population__census2021_inactivity_sickness_shares',
    'stg_ons_population__census2021_not_white_british_shares',
    'stg_ons_subnational__levelling_up_metrics',
] %}

with

registered as (
    select * from {{ ref('stg_meta__sources') }}
),

-- Only periods with at least one figure count: a period the publisher lists with every value suppressed or
-- missing is not data for it.
staged_periods as (
    {% for model in staged_figures -%}
        select distinct
            source_id,
            period,
            period_start,
            {{ period_end('period_published', 'period', 'period_start') }} as period_end,
            'staging.{{ model }}' as period_read_from
        from {{ ref(model) }}
        where value is not null
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

-- ERIC returns are one financial year per file: the year is in each row the staging model reads.
eric_periods as (
    select distinct
        source_id,
        period,
        period_start,
        cast(period_start + interval 1 year - interval 1 day as date) as period_end,
        'staging.stg_nhs_eric__trust_returns_2015_16' as period_read_from
    from {{ ref('stg_nhs_eric__trust_returns_2015_16') }}
    union all
    select distinct
        source_id,
        period,
        period_start,
        cast(period_start + interval 1 year - interval 1 day as date) as period_end,
        'staging.stg_nhs_eric__trust_returns_2016_17' as period_read_from
    from {{ ref('stg_nhs_eric__trust_returns_2016_17') }}
    union all
    select distinct
        source_id,
        period,
        period_start,
        cast(period_start + interval 1 year - interval 1 day as date) as period_end,
        'staging.stg_nhs_eric__site_returns_2019_20' as period_read_from
    from {{ ref('stg_nhs_eric__site_returns_2019_20') }}
),

-- The HEEC file gives each figure's reference year (calendar years, as the publisher labels them).
heec_periods as (
    select distinct
        'heec_icb_imd_quintile_indicators' as source_id,
        cast(reference_year as varchar) as period,
        make_date(reference_year, 1, 1) as period_start,
        make_date(reference_year, 12, 31) as period_end,
        'staging.stg_heec__icb_imd_quintile_indicators.reference_year' as period_read_from
    from {{ ref('stg_heec__icb_imd_quintile_indicators') }}
    where coalesce(quintile_1, quintile_2, quintile_3, quintile_4_5, england_average) is not null
),

-- GP workforce years are financial years; the last one of the edition ends early (months_covered)
gp_workforce_periods as (
    select distinct
        'heec_gp_workforce_practice_fy' as source_id,
        period,
        period_start,
        cast(period_start + to_months(months_covered) - interval 1 day as date) as period_end,
        'staging.stg_heec__gp_practice_workforce_years.financial_year_end' as period_read_from
    from {{ ref('stg_heec__gp_practice_workforce_years') }}
),

staged_sources as (
    select distinct source_id from staged_periods
    union
    select distinct source_id from gp_workforce_periods
    union
    select distinct source_id from eric_periods
    union
    select distinct source_id from heec_periods
),

-- Sources whose files do not write their period (it is in the title: Census 2021, mid-2020, IMD 2019) carry
-- it on every published figure.
figure_periods as (
    select distinct
        source_id,
        period,
        period_start,
        {{ period_end('period', 'period', 'period_start') }} as period_end,
        'marts.icb_indicators' as period_read_from
    from {{ ref('icb_indicators') }}
    where value is not null and source_id not in (select staged_sources.source_id from staged_sources)
),

all_periods as (
    select * from staged_periods
    union all
    select * from eric_periods
    union all
    select * from heec_periods
    union all
    select * from gp_workforce_periods
    union all
    select * from figure_periods
),

summarised as (
    select
        source_id,
        arg_max(period, period_end) as latest_period,
        arg_max(period_start, period_end) as latest_period_start,
        max(period_end) as latest_period_end,
        arg_min(period, period_end) as earliest_period,
        count(distinct period) as periods_in_data,
        string_agg(distinct period_read_from, ', ' order by period_read_from) as period_read_from
    from all_periods
    group by source_id
),

final as (
    select
        registered.source_id,
        summarised.latest_period,
        summarised.latest_period_start,
        summarised.latest_period_end,
        summarised.earliest_period,
        cast(coalesce(summarised.periods_in_data, 0) as integer) as periods_in_data,
        summarised.period_read_from,
        case
            when summarised.source_id is not null then null
            when registered.source_domain = 'geography'
                then
                    'a lookup or boundary set (' || registered.code_vintage
                    || '): it has a code vintage, not a data period'
            else
                'no figure of this source carries a period: a register or reference list ('
                || registered.geography_level || ')'
        end as no_period_reason
    from registered
    left join summarised on registered.source_id = summarised.source_id
)

select * from final

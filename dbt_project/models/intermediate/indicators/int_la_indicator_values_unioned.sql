-- Local-authority figures that feed ICB indicators, stacked with how each is to be weighted. Only one tier of
-- codes is taken per indicator, so no small area is counted twice: lower tier (E06-E09) for the APS rates,
-- upper tier (E06, E08-E10) for healthy life expectancy, which ONS publishes for upper-tier areas only.

with

employment as (
    select * from {{ ref('stg_ons_els__employment_rates') }}
),

long_term_sickness as (
    select * from {{ ref('stg_ons_els__inactivity_long_term_sickness_shares') }}
),

healthy_life_expectancy as (
    select * from {{ ref('stg_ons_els__healthy_life_expectancies') }}
),

lower_tier_employment as (
    select distinct
        case indicator_name
            when 'Employment rate' then 'employment_rate_16_64'
            when 'Economically inactive' then 'economic_inactivity_rate_16_64'
        end as indicator_id,
        area_code as la_code,
        period,
        period_start,
        value,
        lower_ci_95,
        upper_ci_95,
        value_status
    from employment
    where regexp_matches(area_code, '^E0[6-9]')
),

inactivity_rates as (
    select
        la_code,
        period,
        value as inactivity_rate
    from lower_tier_employment
    where indicator_id = 'economic_inactivity_rate_16_64'
),

employment_values as (
    select
        indicator_id,
        'ons_els_employment_rate' as source_id,
        la_code,
        period,
        period_start,
        value,
        lower_ci_95,
        upper_ci_95,
        value_status,
        'population_aged_16_64_2020' as weight_basis,
        1.0 as weight_multiplier,
        'ratio_of_sums' as aggregation
    from lower_tier_employment
),

long_term_sickness_values as (
    -- a share of the economically inactive: weight each LA by its estimated inactive residents aged 16-64
    select distinct
        'inactive_due_to_long_term_sickness_share' as indicator_id,
        'ons_els_inactivity_long_term_sickness' as source_id,
        long_term_sickness.area_code as la_code,
        long_term_sickness.period,
        long_term_sickness.period_start,
        long_term_sickness.value,
        long_term_sickness.lower_ci_95,
        long_term_sickness.upper_ci_95,
        long_term_sickness.value_status,
        'population_aged_16_64_2020' as weight_basis,
        inactivity_rates.inactivity_rate / 100.0 as weight_multiplier,
        'ratio_of_sums' as aggregation
    from long_term_sickness
    left join inactivity_rates
        on long_term_sickness.area_code = inactivity_rates.la_code
        and long_term_sickness.period = inactivity_rates.period
    where regexp_matches(long_term_sickness.area_code, '^E0[6-9]')
),

healthy_life_expectancy_values as (
    select distinct
        case indicator_name
            when 'Male healthy life expectancy' then 'healthy_life_expectancy_male'
            when 'Female healthy life expectancy' then 'healthy_life_expectancy_female'
        end as indicator_id,
        'ons_els_healthy_life_expectancy' as source_id,
        area_code as la_code,
        period,
        period_start,
        value,
        lower_ci_95,
        upper_ci_95,
        value_status,
        'usual_residents_2021' as weight_basis,
        1.0 as weight_multiplier,
        'weighted_mean' as aggregation
    from healthy_life_expectancy
    where regexp_matches(area_code, '^E(06|08|09|10)')
),

final as (
    select * from employment_values
    union all
    select * from long_term_sickness_values
    union all
    select * from healthy_life_expectancy_values
)

select * from final

-- The raw value of every peer context variable for each ICB and vintage, one row per variable. Shares are
-- sums of counts over the ICB's LSOA21s divided by sums of denominators; deprivation, ethnicity and the
-- economic variables are taken from the ICB figures already built (population-weighted IMD score, LSOA21
-- Census shares, LA rates rebuilt as ratios of sums) for the period the seed declares, so every ICB of a
-- vintage is compared on the same year.

with

variables as (
    select * from {{ ref('peer_context_variables') }}
),

population_bases as (
    select * from {{ ref('int_icb_population_bases_aggregated') }}
),

lsoa_figures as (
    select * from {{ ref('int_icb_lsoa_indicators_aggregated') }}
),

la_figures as (
    select * from {{ ref('int_icb_la_indicators_apportioned') }}
),

lsoa21_shares as (
    select * from {{ ref('int_icb_lsoa21_shares_aggregated') }}
),

rural_shares as (
    select * from {{ ref('int_icb_rural_resident_shares_aggregated') }}
),

populations_wide as (
    select
        icb_code,
        icb_vintage,
        sum(population) filter (where population_basis = 'usual_residents_2021') as usual_residents_2021,
        sum(population) filter (where population_basis = 'population_2020') as population_2020,
        sum(population) filter (where population_basis = 'population_aged_65_plus_2020') as aged_65_plus_2020,
        sum(population) filter (where population_basis = 'population_aged_0_15_2020') as aged_0_15_2020
    from population_bases
    group by icb_code, icb_vintage
),

population_values as (
    select
        icb_code,
        icb_vintage,
        'log_usual_residents' as variable,
        ln(usual_residents_2021) as value,
        1.0 as coverage
    from populations_wide
    union all
    select
        icb_code,
        icb_vintage,
        'share_aged_65_plus' as variable,
        100 * aged_65_plus_2020 / population_2020 as value,
        1.0 as coverage
    from populations_wide
    union all
    select
        icb_code,
        icb_vintage,
        'share_aged_0_15' as variable,
        100 * aged_0_15_2020 / population_2020 as value,
        1.0 as coverage
    from populations_wide
    union all
    select
        icb_code,
        icb_vintage,
        'rural_resident_share' as variable,
        100 * rural_resident_share as value,
        coverage
    from rural_shares
),

built_figures as (
    select
        icb_code,
        icb_vintage,
        indicator_id,
        period,
        value,
        coverage
    from lsoa_figures
    union all
    select
        icb_code,
        icb_vintage,
        indicator_id,
        period,
        value,
        coverage
    from la_figures
    union all
    select
        icb_code,
        icb_vintage,
        indicator_id,
        period,
        value,
        coverage
    from lsoa21_shares
),

indicator_values as (
    select
        built_figures.icb_code,
        built_figures.icb_vintage,
        built_figures.indicator_id as variable,
        built_figures.value,
        built_figures.coverage
    from built_figures
    inner join variables
        on built_figures.indicator_id = variables.variable
        and built_figures.period = variables.period
),

all_values as (
    select * from population_values
    union all
    select * from indicator_values
),

final as (
    select
        all_values.icb_code,
        all_values.icb_vintage,
        all_values.variable,
        cast(all_values.value as double) as value,
        cast(all_values.coverage as double) as coverage
    from all_values
    -- only the declared variables take part in the distance
    inner join variables on all_values.variable = variables.variable
)

select * from final

-- Indicators built exactly from small areas for every area of the registry of areas (areas.yaml), down to
-- MSOAs: counts are summed and proportions are sums of numerators over sums of denominators. LSOA11 sources
-- are carried by each LSOA11's share in the area (int_lsoa11_area_memberships_derived), which is 1 unless an
-- LSOA11 straddles areas (then the method says lsoa_apportioned).

with

lsoa21_memberships as (
    select * from {{ ref('int_lsoa21_area_memberships_unioned') }}
),

lsoa11_memberships as (
    select * from {{ ref('int_lsoa11_area_memberships_derived') }}
),

lsoa21_populations as (
    select * from {{ ref('int_lsoa21_populations_joined') }}
),

sape2020 as (
    select * from {{ ref('stg_ons_population__sape2020_lsoa11_populations') }}
),

imd2019_deciles as (
    select * from {{ ref('stg_mhclg_iod__imd2019_lsoa11_deciles') }}
),

imd2019_scores as (
    select * from {{ ref('stg_mhclg_iod__imd2019_lsoa11_scores') }}
),

imd2025 as (
    select * from {{ ref('stg_mhclg_iod__imd2025_lsoa21_scores') }}
),

fuel_poverty as (
    select * from {{ ref('stg_desnz__fuel_poverty_lsoa11_counts') }}
),

fuel_poverty_sums as (
    select
        lsoa11_memberships.area_type,
        lsoa11_memberships.area_vintage,
        lsoa11_memberships.area_code,
        sum(fuel_poverty.households * lsoa11_memberships.lsoa11_share) as households,
        sum(fuel_poverty.fuel_poor_households * lsoa11_memberships.lsoa11_share) as fuel_poor_households,
        bool_and(lsoa11_memberships.lsoa11_share > 1 - 1e-9) as all_whole
    from lsoa11_memberships
    inner join fuel_poverty on lsoa11_memberships.lsoa11_code = fuel_poverty.lsoa11_code
    group by lsoa11_memberships.area_type, lsoa11_memberships.area_vintage, lsoa11_memberships.area_code
),

lsoa11_facts as (
    select
        lsoa11_memberships.area_type,
        lsoa11_memberships.area_vintage,
        lsoa11_memberships.area_code,
        lsoa11_memberships.lsoa11_share as share,
        sape2020.population_all_ages * lsoa11_memberships.lsoa11_share as population,
        imd2019_deciles.imd_decile,
        imd2019_scores.imd_score
    from lsoa11_memberships
    inner join sape2020 on lsoa11_memberships.lsoa11_code = sape2020.lsoa11_code
    left join imd2019_deciles on lsoa11_memberships.lsoa11_code = imd2019_deciles.lsoa11_code
    left join imd2019_scores on lsoa11_memberships.lsoa11_code = imd2019_scores.lsoa11_code
),

lsoa21_facts as (
    select
        lsoa21_memberships.area_type,
        lsoa21_memberships.area_vintage,
        lsoa21_memberships.area_code,
        lsoa21_populations.usual_residents_2021 as population,
        imd2025.imd_decile,
        imd2025.imd_score
    from lsoa21_memberships
    inner join lsoa21_populations on lsoa21_memberships.lsoa21_code = lsoa21_populations.lsoa21_code
    left join imd2025 on lsoa21_memberships.lsoa21_code = imd2025.lsoa21_code
),

lsoa11_sums as (
    select
        area_type,
        area_vintage,
        area_code,
        sum(share) as lsoas,
        sum(share) filter (where imd_decile is not null) as lsoas_with_decile,
        coalesce(sum(share) filter (where imd_decile = 1), 0) as lsoas_in_decile_1,
        sum(population) as population,
        sum(population) filter (where imd_decile is not null) as population_with_decile,
        coalesce(sum(population) filter (where imd_decile = 1), 0) as population_in_decile_1,
        sum(population) filter (where imd_score is not null) as population_with_score,
        sum(population * imd_score) as population_times_score,
        -- shares are sums of population fractions: allow for float rounding when testing for a whole LSOA11
        bool_and(share > 1 - 1e-9) as all_whole
    from lsoa11_facts
    group by all
),

lsoa21_sums as (
    select
        area_type,
        area_vintage,
        area_code,
        count(*) as lsoas,
        count(imd_decile) as lsoas_with_decile,
        count(*) filter (where imd_decile = 1) as lsoas_in_decile_1,
        sum(population) as population,
        sum(population) filter (where imd_decile is not null) as population_with_decile,
        coalesce(sum(population) filter (where imd_decile = 1), 0) as population_in_decile_1,
        sum(population) filter (where imd_score is not null) as population_with_score,
        sum(population * imd_score) as population_times_score,
        true as all_whole
    from lsoa21_facts
    group by all
),

-- one row per figure: (indicator, period, source, numerator, denominator, value, coverage). union all matches
-- columns by position; the aliases in the later branches only label them.
figures as (
    select
        area_type,
        area_vintage,
        area_code,
        all_whole,
        'resident_population' as indicator_id,
        '2021' as period,
        'ons_census2021_disability_lsoa21' as source_id,
        cast(null as double) as numerator,
        cast(null as double) as denominator,
        cast(population as double) as value,
        1.0 as coverage
    from lsoa21_sums
    union all
    select
        area_type,
        area_vintage,
        area_code,
        all_whole,
        'resident_population' as indicator_id,
        '2020' as period,
        'ons_sape2020_lsoa11' as source_id,
        null as numerator,
        null as denominator,
        population as value,
        1.0 as coverage
    from lsoa11_sums
    union all
    select
        area_type,
        area_vintage,
        area_code,
        all_whole,
        'imd2019_most_deprived_decile_lsoa_share' as indicator_id,
        '2019' as period,
        'mhclg_imd2019_lsoa11_deciles' as source_id,
        lsoas_in_decile_1 as numerator,
        lsoas_with_decile as denominator,
        null as value,
        lsoas_with_decile / lsoas as coverage
    from lsoa11_sums
    union all
    select
        area_type,
        area_vintage,
        area_code,
        all_whole,
        'imd2019_most_deprived_decile_population_share' as indicator_id,
        '2019' as period,
        'mhclg_imd2019_lsoa11_deciles' as source_id,
        population_in_decile_1 as numerator,
        population_with_decile as denominator,
        null as value,
        population_with_decile / population as coverage
    from lsoa11_sums
    union all
    select
        area_type,
        area_vintage,
        area_code,
        all_whole,
        'imd2019_average_score' as indicator_id,
        '2019' as period,
        'mysociety_imd2019_lsoa11_scores' as source_id,
        null as numerator,
        population_with_score as denominator,
        population_times_score / population_with_score as value,
        population_with_score / population as coverage
    from lsoa11_sums
    union all
    select
        area_type,
        area_vintage,
        area_code,
        all_whole,
        'imd2025_most_deprived_decile_lsoa_share' as indicator_id,
        '2025' as period,
        'mhclg_imd2025_lsoa21' as source_id,
        lsoas_in_decile_1 as numerator,
        lsoas_with_decile as denominator,
        null as value,
        lsoas_with_decile / lsoas as coverage
    from lsoa21_sums
    union all
    select
        area_type,
        area_vintage,
        area_code,
        all_whole,
        'imd2025_most_deprived_decile_population_share' as indicator_id,
        '2025' as period,
        'mhclg_imd2025_lsoa21' as source_id,
        population_in_decile_1 as numerator,
        population_with_decile as denominator,
        null as value,
        population_with_decile / population as coverage
    from lsoa21_sums
    union all
    select
        area_type,
        area_vintage,
        area_code,
        all_whole,
        'fuel_poverty_lilee_share' as indicator_id,
        '2020' as period,
        'desnz_fuel_poverty_lsoa11_2020' as source_id,
        fuel_poor_households as numerator,
        households as denominator,
        100 * fuel_poor_households / households as value,
        1.0 as coverage
    from fuel_poverty_sums
    union all
    select
        area_type,
        area_vintage,
        area_code,
        all_whole,
        'imd2025_average_score' as indicator_id,
        '2025' as period,
        'mhclg_imd2025_lsoa21' as source_id,
        null as numerator,
        population_with_score as denominator,
        population_times_score / population_with_score as value,
        population_with_score / population as coverage
    from lsoa21_sums
),

final as (
    select
        area_type,
        area_vintage,
        area_code,
        indicator_id,
        period,
        make_date(cast(period as integer), 1, 1) as period_start,
        coalesce(value, numerator / nullif(denominator, 0)) as value,
        cast(null as double) as lower_ci,
        cast(null as double) as upper_ci,
        numerator,
        denominator,
        case
            when coalesce(value, numerator / nullif(denominator, 0)) is null then 'missing'
            when coverage < 0.9999 then 'partial'
            else 'ok'
        end as value_status,
        case when all_whole then 'lsoa_exact' else 'lsoa_apportioned' end as method,
        source_id,
        coverage
    from figures
)

select * from final

-- Census 2021 economic activity counts (TS066) for every area of every type that takes local-authority
-- figures apportioned (areas.yaml: ICBs, sub-ICB locations, NHS regions), per vintage: the counties' and
-- unitaries' counts summed over the authorities in the area, an authority split between areas shared by its
-- residents aged 16+ on each side (method la_apportioned; la_aggregated where every authority lies wholly
-- inside). Residents in employment include full-time students in employment (TS066 codes 1002 + 1007): the
-- denominator for "NHS staff as a share of residents in employment". Counts, so no rate and no ranking here.

with

counts as (
    select * from {{ ref('stg_ons_population__census2021_economic_activity_counts') }}
),

weights as (
    select * from {{ ref('int_la_area_weights_derived') }}
    where population_basis = 'population_aged_16_plus_2020'
),

area_totals as (
    select * from {{ ref('int_area_population_bases_aggregated') }}
    where population_basis = 'population_aged_16_plus_2020'
),

apportioned as (
    select
        weights.area_type,
        weights.area_vintage,
        weights.area_code,
        bool_or(weights.is_split_la) as uses_split_la,
        sum(weights.population) as covered_population_aged_16_plus,
        sum(counts.residents_aged_16_plus * weights.share_of_la_population) as residents_aged_16_plus,
        sum(counts.in_employment * weights.share_of_la_population) as in_employment,
        sum(counts.in_employment_full_time_students * weights.share_of_la_population)
            as in_employment_full_time_students,
        sum(counts.economically_active * weights.share_of_la_population) as economically_active,
        sum(counts.economically_inactive * weights.share_of_la_population) as economically_inactive,
        sum(counts.inactive_long_term_sick_or_disabled * weights.share_of_la_population)
            as inactive_long_term_sick_or_disabled
    from counts
    inner join weights on counts.la_code = weights.la_code
    group by weights.area_type, weights.area_vintage, weights.area_code
),

final as (
    select
        apportioned.area_type,
        apportioned.area_vintage,
        apportioned.area_code,
        '2021' as period,
        apportioned.residents_aged_16_plus,
        apportioned.in_employment,
        apportioned.in_employment_full_time_students,
        apportioned.economically_active,
        apportioned.economically_inactive,
        apportioned.inactive_long_term_sick_or_disabled,
        case when apportioned.uses_split_la then 'la_apportioned' else 'la_aggregated' end as method,
        'ons_census2021_economic_activity_utla23' as source_id,
        apportioned.covered_population_aged_16_plus / area_totals.population as coverage
    from apportioned
    inner join area_totals
        on apportioned.area_type = area_totals.area_type
        and apportioned.area_vintage = area_totals.area_vintage
        and apportioned.area_code = area_totals.area_code
)

select * from final

-- Proportions built exactly from LSOA21 counts (Census 2021 tenure, disability and ethnic group, IoD2025
-- domains) for every area of the registry of areas (areas.yaml), down to MSOAs: each LSOA21 contributes a
-- numerator and a denominator, which are summed over the area's LSOAs and then divided. LSOA21s nest in every
-- area, so every figure is lsoa_exact.

{% set imd_domains = [
    'income', 'employment', 'education', 'health', 'crime', 'housing_and_services', 'living_environment',
] %}

with

memberships as (
    select * from {{ ref('int_lsoa21_area_memberships_unioned') }}
),

tenures as (
    select * from {{ ref('stg_ons_population__census2021_lsoa21_tenures') }}
),

residents as (
    select * from {{ ref('stg_ons_population__census2021_lsoa21_residents') }}
),

imd2025 as (
    select * from {{ ref('stg_mhclg_iod__imd2025_lsoa21_scores') }}
),

ethnic_groups as (
    select * from {{ ref('stg_ons_population__census2021_lsoa21_ethnic_groups') }}
),

lsoa_counts as (
    select
        lsoa21_code,
        'households_owner_occupied_share' as indicator_id,
        '2021' as period,
        'ons_census2021_tenure_lsoa21' as source_id,
        owned_outright + owned_with_mortgage as numerator,
        households as denominator
    from tenures
    union all
    select
        lsoa21_code,
        'households_social_rented_share' as indicator_id,
        '2021' as period,
        'ons_census2021_tenure_lsoa21' as source_id,
        social_rented_council + social_rented_other as numerator,
        households as denominator
    from tenures
    union all
    select
        lsoa21_code,
        'households_private_rented_share' as indicator_id,
        '2021' as period,
        'ons_census2021_tenure_lsoa21' as source_id,
        private_rented_landlord + private_rented_other as numerator,
        households as denominator
    from tenures
    union all
    select
        lsoa21_code,
        'residents_disabled_share' as indicator_id,
        '2021' as period,
        'ons_census2021_disability_lsoa21' as source_id,
        disabled as numerator,
        usual_residents as denominator
    from residents
    union all
    -- TS021's own total (the 5 groups sum to it), not TS038's: both carry their own cell-key perturbation
    select
        lsoa21_code,
        'residents_not_white_share' as indicator_id,
        '2021' as period,
        'ons_census2021_ethnic_group_lsoa21' as source_id,
        usual_residents - white as numerator,
        usual_residents as denominator
    from ethnic_groups
    {% for domain in imd_domains %}
        union all
        select
            imd2025.lsoa21_code,
            'imd2025_{{ domain }}_most_deprived_decile_population_share' as indicator_id,
            '2025' as period,
            'mhclg_imd2025_lsoa21' as source_id,
            case when imd2025.{{ domain }}_decile = 1 then residents.usual_residents else 0 end as numerator,
            residents.usual_residents as denominator
        from imd2025
        inner join residents on imd2025.lsoa21_code = residents.lsoa21_code
    {% endfor %}
),

aggregated as (
    select
        memberships.area_type,
        memberships.area_vintage,
        memberships.area_code,
        lsoa_counts.indicator_id,
        lsoa_counts.period,
        lsoa_counts.source_id,
        count(*) as lsoas,
        count(lsoa_counts.numerator) as lsoas_with_numerator,
        sum(lsoa_counts.numerator) as numerator,
        sum(lsoa_counts.denominator) as denominator
    from memberships
    inner join lsoa_counts on memberships.lsoa21_code = lsoa_counts.lsoa21_code
    group by
        memberships.area_type,
        memberships.area_vintage,
        memberships.area_code,
        lsoa_counts.indicator_id,
        lsoa_counts.period,
        lsoa_counts.source_id
),

final as (
    select
        area_type,
        area_vintage,
        area_code,
        indicator_id,
        period,
        make_date(cast(period as integer), 1, 1) as period_start,
        numerator / nullif(denominator, 0) as value,
        cast(null as double) as lower_ci,
        cast(null as double) as upper_ci,
        cast(numerator as double) as numerator,
        cast(denominator as double) as denominator,
        case
            when numerator is null or denominator is null then 'missing'
            when lsoas_with_numerator < lsoas then 'partial'
            else 'ok'
        end as value_status,
        'lsoa_exact' as method,
        source_id,
        lsoas_with_numerator / lsoas as coverage
    from aggregated
)

select * from final

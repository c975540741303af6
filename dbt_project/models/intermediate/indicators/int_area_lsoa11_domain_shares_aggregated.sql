-- IoD2019 domains for every area of the registry of areas (areas.yaml): the share of residents (mid-2020)
-- living in LSOA 2011s in national decile 1 of each domain. Each LSOA11 counts with its share of the area,
-- which is 1 unless it straddles areas.

{% set imd_domains = [
    'income', 'employment', 'education', 'health', 'crime', 'housing_and_services', 'living_environment',
] %}

with

memberships as (
    select * from {{ ref('int_lsoa11_area_memberships_derived') }}
),

sape2020 as (
    select * from {{ ref('stg_ons_population__sape2020_lsoa11_populations') }}
),

deciles as (
    select * from {{ ref('stg_mhclg_iod__imd2019_lsoa11_deciles') }}
),

lsoa_counts as (
    {% for domain in imd_domains %}
        select
            deciles.lsoa11_code,
            'imd2019_{{ domain }}_most_deprived_decile_population_share' as indicator_id,
            case
                when deciles.{{ domain }}_decile = 1 then sape2020.population_all_ages else 0
            end as numerator,
            sape2020.population_all_ages as denominator
        from deciles
        inner join sape2020 on deciles.lsoa11_code = sape2020.lsoa11_code
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

aggregated as (
    select
        memberships.area_type,
        memberships.area_vintage,
        memberships.area_code,
        lsoa_counts.indicator_id,
        sum(lsoa_counts.numerator * memberships.lsoa11_share) as numerator,
        sum(lsoa_counts.denominator * memberships.lsoa11_share) as denominator,
        -- shares are sums of population fractions: allow for float rounding when testing for a whole LSOA11
        bool_and(memberships.lsoa11_share > 1 - 1e-9) as all_whole
    from memberships
    inner join lsoa_counts on memberships.lsoa11_code = lsoa_counts.lsoa11_code
    group by memberships.area_type, memberships.area_vintage, memberships.area_code, lsoa_counts.indicator_id
),

final as (
    select
        area_type,
        area_vintage,
        area_code,
        indicator_id,
        '2019' as period,
        date '2019-01-01' as period_start,
        numerator / nullif(denominator, 0) as value,
        cast(null as double) as lower_ci,
        cast(null as double) as upper_ci,
        numerator,
        denominator,
        'ok' as value_status,
        case when all_whole then 'lsoa_exact' else 'lsoa_apportioned' end as method,
        'mhclg_imd2019_lsoa11_deciles' as source_id,
        1.0 as coverage
    from aggregated
)

select * from final

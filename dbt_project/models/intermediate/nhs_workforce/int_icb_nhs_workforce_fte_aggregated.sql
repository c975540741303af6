-- HCHS staff FTE per ICB, vintage and month, with the ICB's Census 2021 residents aged 16-64: one row per
-- ICB, vintage and period, every ICB of every vintage present (0 FTE where no organisation is attributed).
-- trust_fte counts NHS trusts and care trusts (acute trusts by catchment, others by headquarters); ccg_fte is
-- CCG staff, kept apart. A model to divide by other denominators (e.g. residents in employment) later.

with

attributed as (
    select * from {{ ref('int_nhs_workforce_fte_icbs_attributed') }}
),

memberships as (
    select * from {{ ref('int_lsoa21_icb_memberships_unioned') }}
),

age_bands as (
    select * from {{ ref('stg_ons_population__census2021_lsoa21_age_bands') }}
),

staff as (
    select * from {{ ref('stg_nhs_workforce__hchs_staff_fte') }}
),

periods as (
    select distinct
        source_id,
        period,
        census_date
    from staff
),

residents as (
    select
        memberships.icb_code,
        memberships.icb_vintage,
        sum(
            age_bands.aged_16_to_24 + age_bands.aged_25_to_34
            + age_bands.aged_35_to_49 + age_bands.aged_50_to_64
        ) as residents_16_64,
        count(age_bands.lsoa21_code) as lsoa21s_with_age_bands,
        count(*) as lsoa21s
    from memberships
    left join age_bands on memberships.lsoa21_code = age_bands.lsoa21_code
    group by memberships.icb_code, memberships.icb_vintage
),

fte_sums as (
    select
        icb_code,
        icb_vintage,
        period,
        sum(fte) filter (where organisation_kind <> 'ccg') as trust_fte,
        sum(fte) filter (where organisation_kind <> 'ccg' and attribution_method = 'catchment_apportioned')
            as trust_fte_by_catchment,
        sum(fte) filter (where organisation_kind = 'ccg') as ccg_fte
    from attributed
    group by icb_code, icb_vintage, period
),

final as (
    select
        residents.icb_code,
        residents.icb_vintage,
        periods.period,
        periods.census_date,
        periods.source_id,
        coalesce(fte_sums.trust_fte, 0) as trust_fte,
        coalesce(fte_sums.trust_fte_by_catchment, 0) as trust_fte_by_catchment,
        -- how the ICB's trust figures were made: by catchment where any acute trust's staff reach it
        case
            when fte_sums.trust_fte_by_catchment > 0 then 'catchment_and_organisation_hq'
            else 'organisation_hq'
        end as trust_method,
        coalesce(fte_sums.ccg_fte, 0) as ccg_fte,
        cast(residents.residents_16_64 as double) as residents_16_64,
        residents.lsoa21s_with_age_bands / residents.lsoa21s as age_band_coverage
    from residents
    cross join periods
    left join fte_sums
        on residents.icb_code = fte_sums.icb_code
        and residents.icb_vintage = fte_sums.icb_vintage
        and periods.period = fte_sums.period
)

select * from final

-- The LSOA counts broken down by deprivation decile: one row per LSOA, measure and period with a numerator
-- and a denominator, on the LSOA basis the source publishes (Census 2021 on LSOA21, DESNZ fuel poverty 2020
-- on LSOA11). measure_kind says whether the row is an outcome rate (numerator over denominator within a
-- decile) or the population distribution itself (a decile's residents over the ICB's).

with

residents as (
    select * from {{ ref('stg_ons_population__census2021_lsoa21_residents') }}
),

tenures as (
    select * from {{ ref('stg_ons_population__census2021_lsoa21_tenures') }}
),

fuel_poverty as (
    select * from {{ ref('stg_desnz__fuel_poverty_lsoa11_counts') }}
),

counts as (
    select
        'lsoa21' as lsoa_basis,
        lsoa21_code as lsoa_code,
        'resident_population_share' as measure_id,
        '2021' as period,
        'ons_census2021_disability_lsoa21' as source_id,
        'population_distribution' as measure_kind,
        'proportion' as unit,
        usual_residents as numerator,
        usual_residents as denominator
    from residents
    union all
    select
        'lsoa21' as lsoa_basis,
        lsoa21_code as lsoa_code,
        'residents_disabled_share' as measure_id,
        '2021' as period,
        'ons_census2021_disability_lsoa21' as source_id,
        'outcome' as measure_kind,
        'proportion' as unit,
        disabled as numerator,
        usual_residents as denominator
    from residents
    union all
    select
        'lsoa21' as lsoa_basis,
        lsoa21_code as lsoa_code,
        'households_owner_occupied_share' as measure_id,
        '2021' as period,
        'ons_census2021_tenure_lsoa21' as source_id,
        'outcome' as measure_kind,
        'proportion' as unit,
        owned_outright + owned_with_mortgage as numerator,
        households as denominator
    from tenures
    union all
    select
        'lsoa21' as lsoa_basis,
        lsoa21_code as lsoa_code,
        'households_social_rented_share' as measure_id,
        '2021' as period,
        'ons_census2021_tenure_lsoa21' as source_id,
        'outcome' as measure_kind,
        'proportion' as unit,
        social_rented_council + social_rented_other as numerator,
        households as denominator
    from tenures
    union all
    select
        'lsoa21' as lsoa_basis,
        lsoa21_code as lsoa_code,
        'households_private_rented_share' as measure_id,
        '2021' as period,
        'ons_census2021_tenure_lsoa21' as source_id,
        'outcome' as measure_kind,
        'proportion' as unit,
        private_rented_landlord + private_rented_other as numerator,
        households as denominator
    from tenures
    union all
    select
        'lsoa11' as lsoa_basis,
        lsoa11_code as lsoa_code,
        'fuel_poverty_lilee_share' as measure_id,
        period,
        'desnz_fuel_poverty_lsoa11_2020' as source_id,
        'outcome' as measure_kind,
        -- percent, as fuel_poverty_lilee_share is in icb_indicators
        'percent' as unit,
        fuel_poor_households as numerator,
        households as denominator
    from fuel_poverty
),

final as (
    select
        lsoa_basis,
        lsoa_code,
        measure_id,
        period,
        source_id,
        measure_kind,
        unit,
        cast(numerator as double) as numerator,
        cast(denominator as double) as denominator
    from counts
)

select * from final

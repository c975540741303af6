-- HEEC primary care indicators as published breakdowns: one row per ICB, vintage, indicator, year and
-- practice deprivation quintile. HEEC names ICBs without codes, so names are matched to the ICB22 and ICB24
-- lookups after normalisation (case, "NHS", "Integrated Care Board", "and"/"&", punctuation); every HEEC name
-- must match (a test). The ICB's own value cannot be rebuilt from quintile values without practice list
-- sizes, so no ICB total is made, and HEEC's avg (an England figure) is not used as one. england_value is
-- England's value for the same quintile. A quintile HEEC has no value for (NA) is kept with a NULL value.
-- HEEC's figures predate the April 2026 ICBs, so there are no ICB26 rows. The quintiles run from 1 = least
-- deprived (HEEC's practice file, whose quintile 1 has the lowest IMD scores, reproduces these values).
-- The five general practice staff groups are not taken from here: they are rebuilt, with ICB totals, for
-- three years and every vintage, from HEEC's practice-level file (int_icb_primary_care_workforce_*), which
-- reproduces these 2023/24 quintile values (tests/test_primary_care_workforce_e2e.py).

with

heec as (
    select * from {{ ref('stg_heec__icb_imd_quintile_indicators') }}
),

icb22_lookup as (
    select * from {{ ref('stg_ons_geography__lsoa11_icb22_lookups') }}
),

icb24_lookup as (
    select * from {{ ref('stg_ons_geography__lsoa21_icb24_lookups') }}
),

icb_names as (
    select distinct
        icb22_code as icb_code,
        'ICB22' as icb_vintage,
        {{ normalise_icb_name('icb22_name') }} as icb_name_key
    from icb22_lookup
    union all
    select distinct
        icb24_code as icb_code,
        'ICB24' as icb_vintage,
        {{ normalise_icb_name('icb24_name') }} as icb_name_key
    from icb24_lookup
),

-- one row per quintile, NA (NULL) values included
quintile_values as (
    select
        reference_year,
        indicator_name,
        icb_name,
        '1' as breakdown_value,
        quintile_1 as quintile_value
    from heec
    union all
    select
        reference_year,
        indicator_name,
        icb_name,
        '2' as breakdown_value,
        quintile_2 as quintile_value
    from heec
    union all
    select
        reference_year,
        indicator_name,
        icb_name,
        '3' as breakdown_value,
        quintile_3 as quintile_value
    from heec
    union all
    select
        reference_year,
        indicator_name,
        icb_name,
        '4-5' as breakdown_value,
        quintile_4_5 as quintile_value
    from heec
),

registered as (
    select
        reference_year,
        case indicator_name
            when 'PCN_staff' then 'primary_care_pcn_staff_fte_per_10k_patients'
            when 'payment_per_patient_all' then 'gp_practice_nhs_payments_per_weighted_patient'
        end as indicator_id,
        breakdown_value,
        quintile_value,
        {{ normalise_icb_name('icb_name') }} as icb_name_key
    from quintile_values
),

england as (
    select
        indicator_id,
        reference_year,
        breakdown_value,
        quintile_value as england_value
    from registered
    where icb_name_key = 'england'
),

final as (
    select
        icb_names.icb_code,
        icb_names.icb_vintage,
        registered.indicator_id,
        cast(registered.reference_year as varchar) as period,
        'practice_imd_quintile' as breakdown,
        registered.breakdown_value,
        registered.quintile_value as value,
        england.england_value,
        'published_icb' as method,
        'heec_icb_imd_quintile_indicators' as source_id
    from registered
    inner join icb_names on registered.icb_name_key = icb_names.icb_name_key
    left join england
        on registered.indicator_id = england.indicator_id
        and registered.reference_year = england.reference_year
        and registered.breakdown_value = england.breakdown_value
    where
        registered.indicator_id is not null
        and registered.icb_name_key != 'england'
)

select * from final

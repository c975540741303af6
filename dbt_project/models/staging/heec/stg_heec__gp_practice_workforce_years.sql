{% set source_id = 'heec_gp_workforce_practice_fy' %}
-- One row per GP practice and financial year of HEEC's practice-level workforce table. HEEC writes NA for a
-- staff group a practice did not report: NULL with status suppressed, never zero. Year is the financial year
-- END (2023 = April 2022 to March 2023). The file was committed on 1 April 2025, when January 2025 was the
-- latest monthly GP workforce publication, so its 2025 year covers April 2024 to January 2025 only: such a
-- year keeps its months in the period label ("2024/25 (Apr-Jan)"), the project's one way of marking a partial
-- period, so the mark travels with the figure into every mart, CSV and pack.

with

source as (
    select * from {{ source('heec', 'heec_gp_workforce_practice_fy') }}
),

typed as (
    select
        practice_code,
        cast(year as integer) as financial_year_end,
        nullif(trim(icb_name), '') as icb_name,
        {{ to_number('registered_patients') }} as registered_patients,
        {{ to_number('gp_fte') }} as gp_fte,
        {{ value_status('gp_fte', source_id) }} as gp_fte_status,
        {{ to_number('gp_locum_trainee_fte') }} as gp_locum_trainee_fte,
        {{ value_status('gp_locum_trainee_fte', source_id) }} as gp_locum_trainee_fte_status,
        {{ to_number('nurse_fte') }} as nurse_fte,
        {{ value_status('nurse_fte', source_id) }} as nurse_fte_status,
        {{ to_number('direct_patient_care_fte') }} as direct_patient_care_fte,
        {{ value_status('direct_patient_care_fte', source_id) }} as direct_patient_care_fte_status,
        {{ to_number('admin_fte') }} as admin_fte,
        {{ value_status('admin_fte', source_id) }} as admin_fte_status,
        {{ to_number('imd_score') }} as imd_score,
        cast({{ to_number('imd_quintile') }} as integer) as imd_quintile
    from source
),

final as (
    select
        practice_code,
        financial_year_end,
        -- the months each year covers: 12, except the last year of this edition (April to January)
        case when financial_year_end = 2025 then 10 else 12 end as months_covered,
        cast(financial_year_end - 1 as varchar) || '/' || right(cast(financial_year_end as varchar), 2)
        || case when financial_year_end = 2025 then ' (Apr-Jan)' else '' end as period,
        make_date(financial_year_end - 1, 4, 1) as period_start,
        icb_name,
        registered_patients,
        gp_fte,
        gp_fte_status,
        gp_locum_trainee_fte,
        gp_locum_trainee_fte_status,
        nurse_fte,
        nurse_fte_status,
        direct_patient_care_fte,
        direct_patient_care_fte_status,
        admin_fte,
        admin_fte_status,
        imd_score,
        imd_quintile
    from typed
)

select * from final

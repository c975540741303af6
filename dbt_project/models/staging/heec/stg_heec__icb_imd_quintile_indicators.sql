{% set source_id = 'heec_icb_imd_quintile_indicators' %}
-- Rename and cast only. HEEC writes NA for a quintile with no practices or no data: NULL with a status.

with

source as (
    select * from {{ source('heec', 'heec_icb_imd_quintile_indicators') }}
),

final as (
    select
        cast(year as integer) as reference_year,
        indicator as indicator_name,
        icb_name,
        {{ to_number('quintile_1') }} as quintile_1,
        {{ value_status('quintile_1', source_id) }} as quintile_1_status,
        {{ to_number('quintile_2') }} as quintile_2,
        {{ value_status('quintile_2', source_id) }} as quintile_2_status,
        {{ to_number('quintile_3') }} as quintile_3,
        {{ value_status('quintile_3', source_id) }} as quintile_3_status,
        {{ to_number('quintile_4_5') }} as quintile_4_5,
        {{ value_status('quintile_4_5', source_id) }} as quintile_4_5_status,
        {{ to_number('england_average') }} as england_average
    from source
)

select * from final

{{ config(meta={'dagster': {'ref': {'name': 'stg_heec__ccg_icb_codes'}}}) }}

-- The name match is checked against HEEC's own lookup: the ODS code HEEC gives an ICB name must be the ODS
-- code of the ICB24 the name matched. Returns the disagreements.

with

heec_lookup as (
    select * from {{ ref('stg_heec__ccg_icb_codes') }}
),

icb24_lookup as (
    select * from {{ ref('stg_ons_geography__lsoa21_icb24_lookups') }}
),

heec_codes as (
    select distinct
        icb_ods_code as heec_ods_code,
        {{ normalise_icb_name('icb_name') }} as icb_name_key
    from heec_lookup
),

icb24_codes as (
    select distinct
        icb24_ods_code as ons_ods_code,
        {{ normalise_icb_name('icb24_name') }} as icb_name_key
    from icb24_lookup
),

final as (
    select
        heec_codes.icb_name_key,
        heec_codes.heec_ods_code,
        icb24_codes.ons_ods_code
    from heec_codes
    left join icb24_codes on heec_codes.icb_name_key = icb24_codes.icb_name_key
    where icb24_codes.ons_ods_code is distinct from heec_codes.heec_ods_code
)

select * from final

{{ config(meta={'dagster': {'ref': {'name': 'int_gp_practice_icb_names_matched'}}}) }}

-- The practice file's ICB names are matched by name alone; HEEC's own CCG -> ICB lookup gives each name an
-- ODS code, which must be the ODS code of the ICB the name matched. Returns the disagreements.

with

name_matches as (
    select * from {{ ref('int_gp_practice_icb_names_matched') }}
),

heec_lookup as (
    select * from {{ ref('stg_heec__ccg_icb_codes') }}
),

icb_ods_codes as (
    select * from {{ ref('int_icb_ods_codes_listed') }}
),

heec_codes as (
    select distinct
        icb_ods_code as heec_ods_code,
        {{ normalise_icb_name('icb_name') }} as icb_name_key
    from heec_lookup
),

final as (
    select
        name_matches.icb_name,
        name_matches.icb_code,
        heec_codes.heec_ods_code,
        icb_ods_codes.icb_ods_code
    from name_matches
    left join heec_codes on name_matches.icb_name_key = heec_codes.icb_name_key
    left join icb_ods_codes
        on name_matches.icb_code = icb_ods_codes.icb_code
        and name_matches.icb_vintage = icb_ods_codes.icb_vintage
    where icb_ods_codes.icb_ods_code is distinct from heec_codes.heec_ods_code
)

select * from final

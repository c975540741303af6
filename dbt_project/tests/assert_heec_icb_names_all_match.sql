{{ config(meta={'dagster': {'ref': {'name': 'stg_heec__icb_imd_quintile_indicators'}}}) }}

-- Every ICB name HEEC uses (other than England) matches exactly one ICB22 and one ICB24 after normalisation.
-- Returns the names that match none, or more than one, in a vintage.

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

heec_names as (
    select distinct
        icb_name,
        {{ normalise_icb_name('icb_name') }} as icb_name_key
    from heec
    where {{ normalise_icb_name('icb_name') }} != 'england'
),

icb_names as (
    select distinct
        'ICB22' as icb_vintage,
        icb22_code as icb_code,
        {{ normalise_icb_name('icb22_name') }} as icb_name_key
    from icb22_lookup
    union all
    select distinct
        'ICB24' as icb_vintage,
        icb24_code as icb_code,
        {{ normalise_icb_name('icb24_name') }} as icb_name_key
    from icb24_lookup
),

vintages as (
    select distinct icb_vintage from icb_names
),

matches as (
    select
        heec_names.icb_name,
        vintages.icb_vintage,
        count(icb_names.icb_code) as matched_icbs
    from heec_names
    cross join vintages
    left join icb_names
        on heec_names.icb_name_key = icb_names.icb_name_key
        and vintages.icb_vintage = icb_names.icb_vintage
    group by heec_names.icb_name, vintages.icb_vintage
),

final as (
    select * from matches
    where matched_icbs != 1
)

select * from final

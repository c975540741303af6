with

source as (
    select * from {{ source('nhs_ods', 'nhs_ods_trust22_region21_lookup') }}
),

final as (
    select
        trust_code,
        trust_name,
        nhs_region_ods_code,
        nhs_region_code,
        nhs_region_name,
        status
    from source
)

select * from final

{{ config(severity='warn', meta={'dagster': {'ref': {'name': 'stg_nhs_ods__trusts'}}}) }}

-- Warning: the NHS England region of each trust in the ODS extract agrees with the 2022 trust list. Returns
-- the trusts in both whose region ODS codes differ.

with

trusts as (
    select * from {{ ref('stg_nhs_ods__trusts') }}
),

trust_regions as (
    select * from {{ ref('stg_nhs_ods__trust_regions') }}
),

final as (
    select
        trusts.trust_code,
        trusts.trust_name,
        trusts.nhs_region_ods_code,
        trust_regions.nhs_region_ods_code as nhs_region_ods_code_2022
    from trusts
    inner join trust_regions on trusts.trust_code = trust_regions.trust_code
    where
        trusts.nhs_region_ods_code is distinct from trust_regions.nhs_region_ods_code
        and trusts.nhs_region_ods_code is not null
)

select * from final

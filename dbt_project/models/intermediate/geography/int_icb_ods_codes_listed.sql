-- The ODS code of each ICB, in every vintage whose lookup in the registry of areas (areas.yaml) names a
-- column of them (`ods_code`): NHS organisations give their parent ICB by it. Vintages without one (ICB26 so
-- far: ODS has no April 2026 ICBs yet) have no rows, and NHS trusts reach them through the latest vintage
-- that has.
{{ config(meta={'area_registry_sources': ['membership']}) }}

with

ods_codes as (
    {{ icb_ods_codes() }}
),

final as (
    select
        icb_code,
        icb_vintage,
        icb_ods_code
    from ods_codes
)

select * from final

{{ config(meta={'dagster': {'ref': {'name': 'stg_ohid_fingertips__qof_smoking_prevalences'}}}) }}

-- Every headline Fingertips row of an ICB, sub-ICB location or local authority must resolve to an area of the
-- vintage its codes are on: ICBs to the July 2022 ICBs, sub-ICB locations to the July 2022 SICBLs (after the
-- "n" prefix is stripped), districts and unitaries to LSOA21s. An unknown code (a re-coded area, a newer
-- vintage) is an error to resolve, never a row dropped by a join.

with

qof_smoking as (
    select * from {{ ref('stg_ohid_fingertips__qof_smoking_prevalences') }}
),

mental_disorders as (
    select * from {{ ref('stg_ohid_fingertips__mental_disorder_prevalences') }}
),

icb22_lookup as (
    select * from {{ ref('stg_ons_geography__lsoa11_icb22_lookups') }}
),

la_memberships as (
    select * from {{ ref('int_la_lsoa21_memberships_unioned') }}
),

fingertips_rows as (
    select
        source_id,
        fingertips_area_code,
        coalesce(area_code, '') as area_code,
        area_type,
        period
    from qof_smoking
    where category_type is null
    union all
    select
        source_id,
        fingertips_area_code,
        coalesce(area_code, '') as area_code,
        area_type,
        period
    from mental_disorders
    where category_type is null
),

final as (
    select fingertips_rows.*
    from fingertips_rows
    where
        (
            fingertips_rows.area_type = 'ICBs'
            and fingertips_rows.area_code not in (select icb22_lookup.icb22_code from icb22_lookup)
        )
        or (
            fingertips_rows.area_type = 'ICB sub-locations'
            and fingertips_rows.area_code not in (select icb22_lookup.sicbl22_code from icb22_lookup)
        )
        or (
            fingertips_rows.area_type in ('District', 'UA')
            and fingertips_rows.area_code not in (select la_memberships.la_code from la_memberships)
        )
)

select * from final

-- Health figures the publishers themselves published for ICBs, in the ICB figure layout, with the ICB vintage
-- they are on. Every one is on the July 2022 ICBs (ICB22):
--   ONS Health Index: the ICS file uses the 2022 codes (Surrey Heartlands E54000052, Sussex E54000053).
--   Fingertips 91547 (QOF smoking): its "ICBs" rows carry E54000052/E54000053 in 2021/22 and 2022/23 and its
--     "ICB sub-locations" rows the SICBL22-only codes E38000246/E38000248, all periods end before the April
--     2023 boundary change; the 2016/17-2018/19 rows are the five London ICBs, in the same export's codes.
--   Fingertips 93495 (common mental disorders, 2017): 29 ICB codes valid in both ICB22 and ICB24, exported in
--     February 2023, before the April 2023 change, when Fingertips' ICB area type was the July 2022 set.
-- The Fingertips code is kept with its "n" prefix beside the ONS code, and each ICB code is looked up in the
-- ICB list of its vintage (lookup_icb_name, tested not null); lookup_vintages_with_code says in which
-- vintages the code exists at all.

with

registry as (
    select * from {{ ref('indicator_registry') }}
),

health_index as (
    select * from {{ ref('stg_ons_health_index__icb22_scores') }}
),

qof_smoking as (
    select * from {{ ref('stg_ohid_fingertips__qof_smoking_prevalences') }}
),

mental_disorders as (
    select * from {{ ref('stg_ohid_fingertips__mental_disorder_prevalences') }}
),

icb_memberships as (
    select * from {{ ref('int_lsoa21_icb_memberships_unioned') }}
),

icb_names as (
    select
        icb_code,
        icb_vintage,
        any_value(icb_name) as icb_name
    from icb_memberships
    group by icb_code, icb_vintage
),

code_vintages as (
    select
        icb_code,
        string_agg(icb_vintage, ',' order by icb_vintage) as lookup_vintages_with_code
    from icb_names
    group by icb_code
),

health_index_figures as (
    -- the ICB file uses the measure names of the LAD21 file, whose source id the registry rows carry
    select
        health_index.icb22_code as icb_code,
        'ICB22' as icb_vintage,
        registry.indicator_id,
        health_index.source_id,
        health_index.period,
        health_index.period_start,
        health_index.value,
        cast(null as double) as lower_ci,
        cast(null as double) as upper_ci,
        cast(null as double) as numerator,
        cast(null as double) as denominator,
        health_index.value_status,
        health_index.icb22_code as published_area_code,
        health_index.icb22_name as published_area_name
    from health_index
    left join registry
        on health_index.indicator_name = registry.source_indicator_name
        and registry.source_id = 'ons_health_index_lad21_domains'
),

fingertips_rows as (
    select * from qof_smoking
    union all
    select * from mental_disorders
),

fingertips_figures as (
    select
        fingertips_rows.area_code as icb_code,
        'ICB22' as icb_vintage,
        registry.indicator_id,
        fingertips_rows.source_id,
        fingertips_rows.period,
        fingertips_rows.period_start,
        fingertips_rows.value,
        fingertips_rows.lower_ci_95 as lower_ci,
        fingertips_rows.upper_ci_95 as upper_ci,
        fingertips_rows.numerator,
        fingertips_rows.denominator,
        fingertips_rows.value_status,
        fingertips_rows.fingertips_area_code as published_area_code,
        fingertips_rows.area_name as published_area_name
    from fingertips_rows
    left join registry
        on fingertips_rows.source_id = registry.source_id
        and fingertips_rows.indicator_name = registry.source_indicator_name
    -- headline figures (no breakdown category) of the ICB area type
    where fingertips_rows.area_type = 'ICBs' and fingertips_rows.category_type is null
),

figures as (
    select * from health_index_figures
    union all
    select * from fingertips_figures
),

final as (
    select
        figures.*,
        icb_names.icb_name as lookup_icb_name,
        code_vintages.lookup_vintages_with_code
    from figures
    left join icb_names
        on figures.icb_code = icb_names.icb_code
        and figures.icb_vintage = icb_names.icb_vintage
    left join code_vintages on figures.icb_code = code_vintages.icb_code
)

select * from final

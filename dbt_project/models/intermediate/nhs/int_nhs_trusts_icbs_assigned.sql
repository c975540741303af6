-- The ICB each English NHS trust is headquartered in, for every ICB vintage: one row per trust and vintage.
-- ICB22 and ICB24 come from the trust's parent ICB in ODS, matched on the ICB's ODS code (the E54 codes
-- of Surrey Heartlands and Sussex changed in April 2023, their ODS codes did not). ODS has no ICB26 parent
-- yet, so a trust goes to the ICB26 holding most of its ICB24's LSOA21s; where that ICB24 was split between
-- ICB26s (Frimley; Hertfordshire and West Essex; Suffolk and North East Essex) a flag says the HQ may lie in
-- another. Closed trusts are kept (ODS gives them the parent ICB now covering their HQ) for older returns
-- such as ERIC.

with

trusts as (
    select * from {{ ref('stg_nhs_ods__trusts') }}
),

icb22_lookup as (
    select * from {{ ref('stg_ons_geography__lsoa11_icb22_lookups') }}
),

icb24_lookup as (
    select * from {{ ref('stg_ons_geography__lsoa21_icb24_lookups') }}
),

memberships as (
    select * from {{ ref('int_lsoa21_icb_memberships_unioned') }}
),

icb22_codes as (
    select distinct
        icb22_ods_code as icb_ods_code,
        icb22_code as icb_code,
        icb22_name as icb_name
    from icb22_lookup
),

icb24_codes as (
    select distinct
        icb24_ods_code as icb_ods_code,
        icb24_code as icb_code,
        icb24_name as icb_name
    from icb24_lookup
),

icb24_icb26_overlaps as (
    select
        icb24.icb_code as icb24_code,
        icb26.icb_code as icb26_code,
        any_value(icb26.icb_name) as icb26_name,
        count(*) as lsoa21_count
    from memberships as icb24
    inner join memberships as icb26 on icb24.lsoa21_code = icb26.lsoa21_code
    where
        icb24.icb_vintage = 'ICB24'
        and icb26.icb_vintage = 'ICB26'
    group by icb24.icb_code, icb26.icb_code
),

icb24_to_icb26 as (
    select
        icb24_code,
        icb26_code,
        icb26_name,
        lsoa21_count / sum(lsoa21_count) over (partition by icb24_code) as share_of_icb24_lsoa21s,
        count(*) over (partition by icb24_code) > 1 as is_icb24_split_across_icb26s
    from icb24_icb26_overlaps
    qualify row_number() over (partition by icb24_code order by lsoa21_count desc, icb26_code asc) = 1
),

english_trusts as (
    select
        trust_code,
        trust_name,
        postcode,
        open_date,
        close_date,
        close_date is null as is_open,
        icb_ods_code
    from trusts
    -- the Welsh trusts in the file have no NHS England region and no ICB
    where icb_ods_code is not null
),

icb22_assigned as (
    select
        english_trusts.*,
        'ICB22' as icb_vintage,
        icb22_codes.icb_code,
        icb22_codes.icb_name,
        'ods_parent_icb' as assignment_basis,
        false as is_icb24_split_across_icb26s,
        cast(null as double) as share_of_icb24_lsoa21s
    from english_trusts
    left join icb22_codes on english_trusts.icb_ods_code = icb22_codes.icb_ods_code
),

icb24_assigned as (
    select
        english_trusts.*,
        'ICB24' as icb_vintage,
        icb24_codes.icb_code,
        icb24_codes.icb_name,
        'ods_parent_icb' as assignment_basis,
        false as is_icb24_split_across_icb26s,
        cast(null as double) as share_of_icb24_lsoa21s
    from english_trusts
    left join icb24_codes on english_trusts.icb_ods_code = icb24_codes.icb_ods_code
),

icb26_assigned as (
    select
        icb24_assigned.trust_code,
        icb24_assigned.trust_name,
        icb24_assigned.postcode,
        icb24_assigned.open_date,
        icb24_assigned.close_date,
        icb24_assigned.is_open,
        icb24_assigned.icb_ods_code,
        'ICB26' as icb_vintage,
        icb24_to_icb26.icb26_code as icb_code,
        icb24_to_icb26.icb26_name as icb_name,
        'icb24_majority_of_lsoa21s' as assignment_basis,
        icb24_to_icb26.is_icb24_split_across_icb26s,
        icb24_to_icb26.share_of_icb24_lsoa21s
    from icb24_assigned
    left join icb24_to_icb26 on icb24_assigned.icb_code = icb24_to_icb26.icb24_code
),

final as (
    select * from icb22_assigned
    union all
    select * from icb24_assigned
    union all
    select * from icb26_assigned
)

select * from final

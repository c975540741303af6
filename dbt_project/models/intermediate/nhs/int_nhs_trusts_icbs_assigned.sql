-- The ICB each English NHS trust is headquartered in, for every ICB vintage: one row per trust and vintage.
-- Vintages whose lookup gives ICB ODS codes (areas.yaml `ods_code`: ICB22, ICB24) take the trust's parent
-- ICB in ODS, matched on the ICB's ODS code (the E54 codes of Surrey Heartlands and Sussex changed in April
-- 2023, their ODS codes did not). ODS has no parent in a vintage without them (ICB26 so far), so a trust goes
-- to the ICB holding most of the LSOA21s of its parent ICB in the latest vintage with ODS codes; where that
-- parent was split (ICB24 -> ICB26: Frimley; Hertfordshire and West Essex; Suffolk and North East Essex) a
-- flag says the HQ may lie in another. Closed trusts are kept (ODS gives them the parent ICB now covering
-- their HQ) for older returns such as ERIC.

with

trusts as (
    select * from {{ ref('stg_nhs_ods__trusts') }}
),

ods_codes as (
    select * from {{ ref('int_icb_ods_codes_listed') }}
),

memberships as (
    select * from {{ ref('int_lsoa21_icb_memberships_unioned') }}
),

icb_names as (
    select
        icb_vintage,
        icb_code,
        any_value(icb_name) as icb_name
    from memberships
    group by all
),

ods_vintages as (
    select distinct
        icb_vintage,
        {{ icb_vintage_in_force_from('icb_vintage') }} as in_force_from
    from ods_codes
),

-- each vintage without ODS codes is reached through the latest vintage (by date in force) that has them
latest_ods_vintage as (
    select icb_vintage as parent_icb_vintage
    from ods_vintages
    order by in_force_from desc nulls last, icb_vintage desc
    limit 1
),

parent_vintages as (
    select distinct
        icb_names.icb_vintage,
        latest_ods_vintage.parent_icb_vintage
    from icb_names
    cross join latest_ods_vintage
    left join ods_vintages on icb_names.icb_vintage = ods_vintages.icb_vintage
    where ods_vintages.icb_vintage is null
),

parent_overlaps as (
    select
        parent_vintages.icb_vintage,
        parent_vintages.parent_icb_vintage,
        parents.icb_code as parent_icb_code,
        children.icb_code,
        count(*) as lsoa21_count
    from parent_vintages
    inner join memberships as parents on parent_vintages.parent_icb_vintage = parents.icb_vintage
    inner join memberships as children
        on
        parents.lsoa21_code = children.lsoa21_code
        and parent_vintages.icb_vintage = children.icb_vintage
    group by all
),

parent_to_icb as (
    select
        icb_vintage,
        parent_icb_vintage,
        parent_icb_code,
        icb_code,
        lsoa21_count
        / sum(lsoa21_count) over (partition by icb_vintage, parent_icb_code) as share_of_parent_icb_lsoa21s,
        count(*) over (partition by icb_vintage, parent_icb_code) > 1 as is_parent_icb_split
    from parent_overlaps
    qualify row_number() over (
        partition by icb_vintage, parent_icb_code order by lsoa21_count desc, icb_code asc
    ) = 1
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

ods_assigned as (
    select
        english_trusts.*,
        ods_vintages.icb_vintage,
        ods_codes.icb_code,
        icb_names.icb_name,
        'ods_parent_icb' as assignment_basis,
        cast(null as varchar) as parent_icb_vintage,
        false as is_parent_icb_split,
        cast(null as double) as share_of_parent_icb_lsoa21s
    from english_trusts
    cross join ods_vintages
    left join ods_codes
        on
        english_trusts.icb_ods_code = ods_codes.icb_ods_code
        and ods_vintages.icb_vintage = ods_codes.icb_vintage
    left join icb_names
        on
        ods_codes.icb_code = icb_names.icb_code
        and ods_codes.icb_vintage = icb_names.icb_vintage
),

majority_assigned as (
    select
        parents.trust_code,
        parents.trust_name,
        parents.postcode,
        parents.open_date,
        parents.close_date,
        parents.is_open,
        parents.icb_ods_code,
        parent_vintages.icb_vintage,
        parent_to_icb.icb_code,
        icb_names.icb_name,
        'majority_of_parent_icb_lsoa21s' as assignment_basis,
        parent_vintages.parent_icb_vintage,
        coalesce(parent_to_icb.is_parent_icb_split, false) as is_parent_icb_split,
        parent_to_icb.share_of_parent_icb_lsoa21s
    from parent_vintages
    inner join ods_assigned as parents on parent_vintages.parent_icb_vintage = parents.icb_vintage
    left join parent_to_icb
        on
        parent_vintages.icb_vintage = parent_to_icb.icb_vintage
        and parents.icb_code = parent_to_icb.parent_icb_code
    left join icb_names
        on
        parent_to_icb.icb_code = icb_names.icb_code
        and parent_to_icb.icb_vintage = icb_names.icb_vintage
),

final as (
    select * from ods_assigned
    union all by name
    select * from majority_assigned
)

select * from final

-- Each ERIC trust return attributed to the ICB where the trust is headquartered, in every ICB vintage: one
-- row per year, trust and vintage. Trusts that have merged since keep the ICB ODS now gives their old HQ. A
-- return whose trust code is not in the ODS trust file (care trusts with T-codes) has no ICB and says so in
-- attribution_status, so it is counted out of the ICB figures openly rather than dropped.

with

returns as (
    select * from {{ ref('int_nhs_eric_trust_returns_repaired') }}
),

trust_icbs as (
    select * from {{ ref('int_nhs_trusts_icbs_assigned') }}
),

memberships as (
    select * from {{ ref('int_lsoa21_icb_memberships_unioned') }}
),

vintages as (
    select distinct icb_vintage from memberships
),

final as (
    select
        returns.*,
        vintages.icb_vintage,
        trust_icbs.icb_code,
        trust_icbs.assignment_basis,
        coalesce(trust_icbs.is_parent_icb_split, false) as is_parent_icb_split,
        case
            when trust_icbs.trust_code is null then 'no_ods_trust_record'
            when trust_icbs.icb_code is null then 'icb_not_matched'
            else 'attributed'
        end as attribution_status
    from returns
    cross join vintages
    left join trust_icbs
        on returns.trust_code = trust_icbs.trust_code
        and vintages.icb_vintage = trust_icbs.icb_vintage
)

select * from final

{{ config(meta={'dagster': {'ref': {'name': 'int_nhs_acute_trust_catchments_apportioned'}}}) }}

-- Each acute trust's admissions are shared out in full in every vintage: its shares over the ICBs sum to 1
-- (OHID's catchments cover English residents only, and every LAD21 code resolves to LSOA21s). Returns the
-- trusts and vintages whose shares sum to anything else, or that are missing from a vintage.

with

catchments as (
    select * from {{ ref('int_nhs_acute_trust_catchments_apportioned') }}
),

trusts as (
    select distinct trust_code from catchments
),

vintages as (
    select distinct icb_vintage from catchments
),

sums as (
    select
        trust_code,
        icb_vintage,
        sum(admissions_share) as total_share
    from catchments
    group by trust_code, icb_vintage
),

final as (
    select
        trusts.trust_code,
        vintages.icb_vintage,
        sums.total_share
    from trusts
    cross join vintages
    left join sums
        on trusts.trust_code = sums.trust_code
        and vintages.icb_vintage = sums.icb_vintage
    where sums.total_share is null or abs(sums.total_share - 1) > 1e-6
)

select * from final

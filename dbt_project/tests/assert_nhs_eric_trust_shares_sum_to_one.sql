{{ config(meta={'dagster': {'ref': {'name': 'int_nhs_eric_trusts_icbs_apportioned'}}}) }}
-- Every ERIC trust return is shared out whole in every ICB vintage (or kept whole outside every ICB), so
-- each trust's figures are conserved across ICBs. Returns the trust-years whose shares do not sum to 1.

with

attribution as (
    select * from {{ ref('int_nhs_eric_trusts_icbs_apportioned') }}
),

final as (
    select
        period,
        trust_code,
        icb_vintage,
        sum(share) as share_total
    from attribution
    group by period, trust_code, icb_vintage
    having abs(sum(share) - 1) > 1e-9
)

select * from final

{{ config(severity='warn', meta={'dagster': {'ref': {'name': 'int_nhs_eric_returns_icbs_attributed'}}}) }}

-- Warning, by design: lists the ERIC returns that no ICB figure includes, because the trust code is not in
-- the ODS trust file (care trusts with T-codes: 5 returns in 2015/16, 4 in 2016/17) or its parent ICB
-- matched no ICB of the vintage.

with

returns as (
    select * from {{ ref('int_nhs_eric_returns_icbs_attributed') }}
),

final as (
    select
        period,
        trust_code,
        trust_name,
        attribution_status,
        list(icb_vintage order by icb_vintage) as icb_vintages
    from returns
    where attribution_status != 'attributed'
    group by period, trust_code, trust_name, attribution_status
)

select * from final

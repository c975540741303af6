{{ config(severity='warn', meta={'dagster': {'ref': {'name': 'int_nhs_eric_trust_returns_repaired'}}}) }}

-- Warning, by design: lists the ERIC returns that were not usable as published. A shifted row (a comma in
-- the trust name taken for a separator) is re-aligned; an unrepairable one keeps no figures. 5 rows in
-- 2016/17, all repaired, in this snapshot.

with

returns as (
    select * from {{ ref('int_nhs_eric_trust_returns_repaired') }}
),

final as (
    select
        period,
        trust_code,
        trust_name,
        organisation_type,
        row_layout
    from returns
    where row_layout != 'as_published'
)

select * from final

with

breakdowns as (
    select * from {{ ref('int_icb_primary_care_breakdowns_joined') }}
    union all by name
    select * from {{ ref('int_icb_nhs_workforce_breakdowns_aggregated') }}
    union all by name
    select * from {{ ref('int_icb_primary_care_workforce_breakdowns_aggregated') }}
    union all by name
    select * from {{ ref('int_icb_nhs_estate_breakdowns_apportioned') }}
),

icbs as (
    select * from {{ ref('icbs') }}
),

registry as (
    select * from {{ ref('indicators') }}
),

final as (
    select
        breakdowns.icb_code,
        icbs.icb_name,
        breakdowns.icb_vintage,
        breakdowns.indicator_id,
        breakdowns.period,
        breakdowns.breakdown,
        breakdowns.breakdown_value,
        breakdowns.value,
        breakdowns.england_value,
        registry.unit,
        breakdowns.method,
        breakdowns.source_id
    from breakdowns
    inner join icbs
        on breakdowns.icb_code = icbs.icb_code
        and breakdowns.icb_vintage = icbs.icb_vintage
    inner join registry on breakdowns.indicator_id = registry.id
)

select * from final

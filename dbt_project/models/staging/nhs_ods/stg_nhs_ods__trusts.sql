with

source as (
    select * from {{ source('nhs_ods', 'nhs_ods_trusts') }}
),

final as (
    select
        trust_code,
        trust_name,
        nhs_region_ods_code,
        icb_ods_code,
        postcode,
        cast(try_strptime(open_date, '%Y%m%d') as date) as open_date,
        cast(try_strptime(close_date, '%Y%m%d') as date) as close_date
    from source
)

select * from final

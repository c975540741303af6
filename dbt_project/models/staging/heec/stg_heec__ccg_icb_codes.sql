with

source as (
    select * from {{ source('heec', 'heec_ccg_icb_lookup') }}
),

final as (
    select
        ccg_code,
        icb_ods_code,
        icb_name
    from source
)

select * from final

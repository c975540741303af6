with

source as (
    select * from {{ source('ohid_catchments', 'ohid_trust22_icb22_catchment') }}
),

final as (
    select
        trust_code,
        icb22_code,
        {{ to_number('admissions_share') }} as admissions_share,
        {{ value_status('admissions_share', 'ohid_trust22_icb22_catchment') }} as value_status
    from source
)

select * from final

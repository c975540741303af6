with

source as (
    select * from {{ source('ons_els', 'ons_els_healthy_life_expectancy') }}
),

renamed as (
    select
        area_code,
        area_name,
        geography as area_geography,
        indicator as indicator_name,
        period as period_published,
        {{ period_label('period') }} as period,
        {{ period_start('period') }} as period_start,
        {{ to_number('observation') }} as value,
        {{ to_number('lower_ci_95') }} as lower_ci_95,
        {{ to_number('upper_ci_95') }} as upper_ci_95,
        unit,
        -- the publisher's own status wins: x = not available, u = low reliability (value kept, flagged)
        case
            when lower(trim(status)) = 'x' then 'suppressed'
            when lower(trim(status)) = 'u' and {{ to_number('observation') }} is not null
                then 'low_reliability'
            else {{ value_status('observation', 'ons_els_healthy_life_expectancy') }}
        end as value_status
    from source
)

select * from renamed

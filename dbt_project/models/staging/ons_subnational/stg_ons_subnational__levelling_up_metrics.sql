-- The Levelling Up metrics that Explore Local Statistics does not carry, in the tidy local-figure layout the
-- LA pipeline reads. The other series in this download are older editions of ELS series and are taken from
-- ELS instead; the test assert_registered_la_indicators_have_figures catches a renamed metric.
-- Periods are written 2019 (a year), 202021 (2020/21) or 201820 (2018-2020).

with

source as (
    select * from {{ source('ons_subnational', 'ons_subnational_indicators') }}
),

renamed as (
    select
        'ons_subnational_indicators' as source_id,
        area_code,
        area_name,
        geography as area_geography,
        indicator as indicator_name,
        period as period_published,
        case
            when length(period) = 4 then period
            when cast(right(period, 2) as integer) = (cast(left(period, 4) as integer) + 1) % 100
                then left(period, 4) || '/' || right(period, 2)
            else left(period, 4) || '-' || left(period, 2) || right(period, 2)
        end as period,
        make_date(cast(left(period, 4) as integer), 1, 1) as period_start,
        {{ to_number('observation') }} as value,
        cast(null as double) as lower_ci_95,
        cast(null as double) as upper_ci_95,
        unit,
        {{ value_status('observation', 'ons_subnational_indicators') }} as value_status
    from source
    where indicator in (
        'Average travel time in minutes to reach nearest large employment centre (500 + employees), by car',
        'Average travel time in minutes to reach nearest large employment centre (500 + employees), by cycle',
        'Average travel time in minutes to reach nearest large employment centre (500 + employees), by '
        || 'public transport',
        'Cancer diagnosis at stage 1 & 2',
        'Net additions to the housing stock',
        'Percentage of premises with gigabit-capable broadband',
        'Percentage of 4G (and 5G) coverage by at least one mobile network operator',
        'Percentage of 5-year olds achieving ''expected level'' in communication early learning goals',
        'Percentage of 5-year olds achieving ''expected level'' in literacy early learning goals',
        'Percentage of 5-year olds achieving ''expected level'' in maths early learning goals',
        'Percentage of schools rated good or outstanding by Ofsted',
        'Obesity prevalence - children'
        -- not '19+ Further Education and Skills Achievements': Buckinghamshire's row carries West
        -- Northamptonshire's code (E06000062), a publisher error that makes both rows ambiguous
    )
)

select * from renamed

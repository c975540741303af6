-- The compilation is wide (one column per year); unpivot to the tidy local-figure layout the LA pipeline
-- reads (the columns of an Explore Local Statistics staging model). 2010-2018 use the LIHC definition and
-- 2019 the LILEE one, so the indicator name carries the definition.

with

source as (
    select * from {{ source('desnz', 'beis_fuel_poverty_la_2010_2019') }}
),

unpivoted as (
    unpivot source
    on "2010", "2011", "2012", "2013", "2014", "2015", "2016", "2017", "2018", "2019"
    into name period value observation
),

renamed as (
    select
        'beis_fuel_poverty_la_2010_2019' as source_id,
        la_code as area_code,
        la_name as area_name,
        'Local Authority District' as area_geography,
        case
            when period = '2019' then 'Fuel poverty (LILEE)'
            else 'Fuel poverty (LIHC)'
        end as indicator_name,
        period as period_published,
        period,
        make_date(cast(period as integer), 1, 1) as period_start,
        {{ to_number('observation') }} as value,
        cast(null as double) as lower_ci_95,
        cast(null as double) as upper_ci_95,
        '%' as unit,
        {{ value_status('observation', 'beis_fuel_poverty_la_2010_2019') }} as value_status
    from unpivoted
)

select * from renamed

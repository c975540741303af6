with

source as (
    select * from {{ source('ons_population', 'ons_sape2020_lsoa11') }}
),

renamed as (
    select
        lsoa11_code,
        cast(total_population as integer) as population_all_ages,
        -- working-age denominator used by the APS labour-market indicators
        {% for age in range(16, 65) -%}
            cast("{{ age }}" as integer){% if not loop.last %} + {% endif %}
        {%- endfor %} as population_aged_16_64
    from source
)

select * from renamed

-- General practice staff (FTE) per 10,000 registered patients by practice deprivation quintile, for every ICB
-- of every vintage and financial year that has quintiles, in the layout of
-- int_icb_primary_care_breakdowns_joined. The quintile is HEEC's national ranking of practices by the IMD
-- score of their patients (1 = least deprived, 5 = most deprived: the mean IMD score rises from about 10 in
-- quintile 1 to about 42 in quintile 5). HEEC left it NA for every 2024/25 row, and no quintile is made here
-- for that year: cutting 2024/25 scores at the earlier years' boundaries, or carrying a practice's earlier
-- quintile forward, would be a ranking HEEC never published, over a changed set of practices. england_value
-- is the same ratio over every practice in the file. Attribution to ICBs is that of the ICB figures
-- (int_gp_practice_workforce_icbs_attributed).

{% set staff_groups = primary_care_staff_groups() %}

with

practice_years as (
    select * from {{ ref('stg_heec__gp_practice_workforce_years') }}
),

practices as (
    select * from {{ ref('int_gp_practice_workforce_icbs_attributed') }}
),

staff_values as (
    {% for column, indicator_id in staff_groups.items() %}
        select
            icb_code,
            icb_vintage,
            period,
            method,
            attribution_status,
            imd_quintile,
            '{{ indicator_id }}' as indicator_id,
            registered_patients,
            {{ column }} as fte
        from practices
        where imd_quintile is not null and {{ column }} is not null
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

england_values as (
    {% for column, indicator_id in staff_groups.items() %}
        select
            period,
            imd_quintile,
            '{{ indicator_id }}' as indicator_id,
            10000 * sum({{ column }}) / sum(registered_patients) as england_value
        from practice_years
        where imd_quintile is not null and {{ column }} is not null
        group by period, imd_quintile
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

icb_values as (
    select
        icb_code,
        icb_vintage,
        indicator_id,
        period,
        imd_quintile,
        any_value(method) as method,
        10000 * sum(fte) / nullif(sum(registered_patients), 0) as value
    from staff_values
    where attribution_status = 'attributed'
    group by icb_code, icb_vintage, indicator_id, period, imd_quintile
),

final as (
    select
        icb_values.icb_code,
        icb_values.icb_vintage,
        icb_values.indicator_id,
        icb_values.period,
        'practice_imd_quintile' as breakdown,
        cast(icb_values.imd_quintile as varchar) as breakdown_value,
        icb_values.value,
        england_values.england_value,
        icb_values.method,
        'heec_gp_workforce_practice_fy' as source_id
    from icb_values
    left join england_values
        on icb_values.indicator_id = england_values.indicator_id
        and icb_values.period = england_values.period
        and icb_values.imd_quintile = england_values.imd_quintile
)

select * from final

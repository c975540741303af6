{{ config(meta={'dagster': {'ref': {'name': 'int_icb_primary_care_breakdowns_joined'}}}) }}

-- HEEC's figures name the ICBs of July 2022 and April 2024 (the vintages of its files): every ICB22 and
-- ICB24, as many as the registry of areas expects (42 each), has rows for every HEEC indicator and year, and
-- no other vintage has rows. Returns the (indicator, period, vintage) groups with another ICB count.

with

breakdowns as (
    select * from {{ ref('int_icb_primary_care_breakdowns_joined') }}
),

declared as (
    {{ area_vintages_declared() }}
),

counts as (
    select
        indicator_id,
        period,
        icb_vintage,
        count(distinct icb_code) as icbs
    from breakdowns
    group by indicator_id, period, icb_vintage
),

final as (
    select
        counts.*,
        declared.expected_areas as expected_icbs
    from counts
    left join declared
        on
        counts.icb_vintage = declared.area_vintage
        and declared.area_type = 'icb'
    where counts.icbs is distinct from declared.expected_areas or counts.icb_vintage not in ('ICB22', 'ICB24')
)

select * from final

-- Census 2021 TS066 counts per upper-tier authority (counties and unitaries as of April 2023), one row per
-- authority, for the categories the indicators and the NHS workforce shares use. The file is Nomis long
-- format: every category twice, once as a count (measure 20100) and once as a percentage of residents aged
-- 16+ (20301), so only 20100 rows are read; and subtotals (1001-1011) sit beside their leaves (1-19), so each
-- figure is taken by its numeric code, never by summing the classification. Labels are spaced inconsistently
-- and are not used.

with

source as (
    select * from {{ source('ons_population', 'ons_census2021_economic_activity_utla23') }}
),

counts as (
    select
        la_code,
        la_name,
        cast(category_code as integer) as category_code,
        cast(observation as bigint) as residents
    from source
    where measure_code = '20100'
),

final as (
    select
        la_code,
        any_value(la_name) as la_name,
        sum(residents) filter (where category_code = 0) as residents_aged_16_plus,
        -- in employment: economically active excluding full-time students (1002) plus full-time students in
        -- employment (1007), the Census definition of residents in employment
        sum(residents) filter (where category_code = 1002) as in_employment_excluding_students,
        sum(residents) filter (where category_code = 1007) as in_employment_full_time_students,
        sum(residents) filter (where category_code in (1002, 1007)) as in_employment,
        sum(residents) filter (where category_code in (1001, 1006)) as economically_active,
        sum(residents) filter (where category_code = 1011) as economically_inactive,
        sum(residents) filter (where category_code = 18) as inactive_long_term_sick_or_disabled
    from counts
    group by la_code
)

select * from final

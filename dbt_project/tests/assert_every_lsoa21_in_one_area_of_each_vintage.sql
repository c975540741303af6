{{ config(meta={'dagster': {'ref': {'name': 'int_lsoa21_area_memberships_unioned'}}}) }}
-- Every England LSOA21 is in exactly one area of each vintage of the registry of areas (areas.yaml), every
-- vintage the registry declares has its areas, and every area code has its type's pattern. Rows returned are
-- failures.

with

england as (
    select count(*) as lsoa21s from {{ ref('int_lsoa21_populations_joined') }}
    where lsoa21_code like 'E01%'
),

declared as (
    {{ area_vintages_declared() }}
),

memberships as (
    select * from {{ ref('int_lsoa21_area_memberships_unioned') }}
),

counted as (
    select
        declared.area_type,
        declared.area_vintage,
        count(memberships.lsoa21_code) as lsoa21s,
        count(distinct memberships.lsoa21_code) as distinct_lsoa21s,
        count(*) filter (where not regexp_matches(memberships.area_code, declared.code_pattern)) as bad_codes
    from declared
    left join memberships
        on declared.area_type = memberships.area_type and declared.area_vintage = memberships.area_vintage
    group by all
),

final as (
    select
        counted.*,
        england.lsoa21s as england_lsoa21s
    from counted
    cross join england
    where
        counted.lsoa21s != england.lsoa21s
        or counted.distinct_lsoa21s != england.lsoa21s
        or counted.bad_codes > 0
)

select * from final

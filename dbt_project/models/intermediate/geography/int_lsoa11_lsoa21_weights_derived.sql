-- How much of each LSOA11 lies in each LSOA21 (England). Splits and irregular redesigns are many-to-many,
-- so an LSOA11's count is shared among its LSOA21s in proportion to their Census 2021 residents; it is
-- never copied.

with

exact_fit as (
    select * from {{ ref('stg_ons_geography__lsoa11_lsoa21_lookups') }}
),

residents as (
    select * from {{ ref('stg_ons_population__census2021_lsoa21_residents') }}
),

english_pairs as (
    select distinct
        exact_fit.lsoa11_code,
        exact_fit.lsoa21_code,
        exact_fit.change_code,
        residents.usual_residents
    from exact_fit
    inner join residents on exact_fit.lsoa21_code = residents.lsoa21_code
    where exact_fit.lsoa21_code like 'E01%'
),

final as (
    select
        lsoa11_code,
        lsoa21_code,
        change_code,
        coalesce(
            usual_residents / nullif(sum(usual_residents) over (partition by lsoa11_code), 0),
            1.0 / count(*) over (partition by lsoa11_code)
        ) as lsoa11_share
    from english_pairs
)

select * from final

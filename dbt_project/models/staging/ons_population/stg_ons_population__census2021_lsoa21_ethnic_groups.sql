-- Census 2021 TS021 usual residents per LSOA21 in the 5 high-level ethnic groups (the detailed groups, White
-- British among them, are not in this copy). The 5 groups sum to the total on every row.

with

source as (
    select * from {{ source('ons_population', 'ons_census2021_ethnic_group_lsoa21') }}
),

renamed as (
    select
        lsoa21_code,
        cast(usual_residents as integer) as usual_residents,
        cast(asian as integer) as asian,
        cast(black as integer) as black,
        cast(mixed as integer) as mixed,
        cast(white as integer) as white,
        cast(other as integer) as other
    from source
)

select * from renamed

-- Census 2021 ethnic group per lower-tier authority (LAD21 codes) in the tidy local-figure layout the LA
-- pipeline reads: the percentage of usual residents not in the White British group ("White: English, Welsh,
-- Scottish, Northern Irish or British"), with the counts behind it. The file has no total column: all usual
-- residents are the sum of the 19 groups. The rounded percent columns are not read.

with

source as (
    select * from {{ source('ons_population', 'ons_census2021_ethnic_group_lad21') }}
),

counts as (
    select
        la_code,
        la_name,
        cast(white_british as bigint) as white_british,
        cast(asian_bangladeshi as bigint) + cast(asian_chinese as bigint) + cast(asian_indian as bigint)
        + cast(asian_pakistani as bigint) + cast(asian_other as bigint)
        + cast(black_african as bigint) + cast(black_caribbean as bigint) + cast(black_other as bigint)
        + cast(mixed_white_asian as bigint) + cast(mixed_white_black_african as bigint)
        + cast(mixed_white_black_caribbean as bigint) + cast(mixed_other as bigint)
        + cast(white_british as bigint) + cast(white_irish as bigint)
        + cast(white_gypsy_irish_traveller as bigint) + cast(white_roma as bigint)
        + cast(white_other as bigint)
        + cast(other_arab as bigint) + cast(other_any as bigint) as usual_residents
    from source
),

renamed as (
    select
        'ons_census2021_ethnic_group_lad21' as source_id,
        la_code as area_code,
        la_name as area_name,
        'Local Authority District' as area_geography,
        'Not White British' as indicator_name,
        '2021' as period_published,
        '2021' as period,
        date '2021-03-21' as period_start,
        100.0 * (usual_residents - white_british) / usual_residents as value,
        cast(null as double) as lower_ci_95,
        cast(null as double) as upper_ci_95,
        cast(usual_residents - white_british as double) as numerator,
        cast(usual_residents as double) as denominator,
        '%' as unit,
        'ok' as value_status
    from counts
)

select * from renamed

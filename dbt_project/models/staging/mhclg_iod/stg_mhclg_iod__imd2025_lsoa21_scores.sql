with

source as (
    select * from {{ source('mhclg_iod', 'mhclg_imd2025_lsoa21') }}
),

renamed as (
    select
        lsoa21_code,
        cast(imd_score as double) as imd_score,
        cast(imd_rank as integer) as imd_rank,
        cast(imd_decile as integer) as imd_decile
    from source
)

select * from renamed

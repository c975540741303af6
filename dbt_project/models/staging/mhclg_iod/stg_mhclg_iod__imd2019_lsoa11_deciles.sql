with

source as (
    select * from {{ source('mhclg_iod', 'mhclg_imd2019_lsoa11_deciles') }}
),

renamed as (
    select
        lsoa11_code,
        cast(imd_rank as integer) as imd_rank,
        cast(imd_decile as integer) as imd_decile
    from source
)

select * from renamed

with

source as (
    select * from {{ source('mhclg_iod', 'mysociety_imd2019_lsoa11_scores') }}
),

renamed as (
    select
        lsoa11_code,
        cast(imd_score as double) as imd_score
    from source
    -- other nations' rows are mySociety's modelled composite, not the official English score
    where nation = 'E'
)

select * from renamed

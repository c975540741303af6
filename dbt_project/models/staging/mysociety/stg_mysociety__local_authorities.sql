with

source as (
    select * from {{ source('mysociety', 'mysociety_local_authorities') }}
),

renamed as (
    select
        gss_code as la_code,
        official_name,
        nice_name,
        try_cast(end_date as date) as end_date,
        lower(current_authority) = 'true' as is_current,
        local_authority_type,
        local_authority_type_name,
        register_code,
        -- codes the same authority had before a re-coding (e.g. the 2013-14 Hertfordshire changes)
        string_split(coalesce(former_gss_codes, ''), ',') as former_la_codes,
        -- register codes of the successor authorities, comma-separated in the source
        string_split(coalesce(replaced_by, ''), ',') as replaced_by_register_codes,
        -- register code of the county a (two-tier) district lies in, for abolished districts too
        nullif(trim(county_register_code), '') as county_register_code,
        -- register code of the combined authority (or the Greater London Authority) the council belongs to
        nullif(trim(combined_authority_register_code), '') as combined_authority_register_code
    from source
    where gss_code is not null
)

select * from renamed

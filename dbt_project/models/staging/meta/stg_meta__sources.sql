with

source as (
    select * from {{ source('meta', 'source_registry') }}
),

renamed as (
    select
        source_id,
        title as source_title,
        publisher,
        licence,
        domain as source_domain,
        geography_level,
        code_vintage,
        cadence,
        next_release,
        live_url,
        landing_page,
        caveats as source_caveats
    from source
)

select * from renamed

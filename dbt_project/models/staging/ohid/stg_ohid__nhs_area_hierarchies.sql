with

source as (
    select * from {{ source('ohid', 'ohid_nhs_area_hierarchy') }}
),

renamed as (
    select
        area_code,
        area_name,
        area_type,
        hierarchy_type,
        -- "|"-separated child area codes; empty for leaves
        string_split(coalesce(child_area_codes, ''), '|') as child_area_codes
    from source
)

select * from renamed

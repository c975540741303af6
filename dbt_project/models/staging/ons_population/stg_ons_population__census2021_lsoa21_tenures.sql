with

source as (
    select * from {{ source('ons_population', 'ons_census2021_tenure_lsoa21') }}
),

renamed as (
    select
        lsoa21_code,
        cast(households as integer) as households,
        cast(owned_outright as integer) as owned_outright,
        cast(owned_with_mortgage as integer) as owned_with_mortgage,
        cast(shared_ownership as integer) as shared_ownership,
        cast(social_rented_council as integer) as social_rented_council,
        cast(social_rented_other as integer) as social_rented_other,
        cast(private_rented_landlord as integer) as private_rented_landlord,
        cast(private_rented_other as integer) as private_rented_other,
        cast(rent_free as integer) as rent_free
    from source
)

select * from renamed

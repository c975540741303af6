-- Every combined authority in mySociety's register (and the Greater London Authority, which the register
-- gives the London boroughs as theirs) set beside every ICB of every vintage it overlaps, with the share of
-- its 2021 residents in the ICB and the share of the ICB's residents in it. An authority's ground is the
-- union of the LSOA21s of its current member councils (a county and its districts may both be members: the
-- union counts each LSOA once), so the shares are exact on LSOA21s, as for councils in
-- int_area_icb_overlaps_measured. Which authorities put their residents under an elected mayor is not in the
-- register: seed combined_authority_mayors.

with

authorities as (
    select * from {{ ref('stg_mysociety__local_authorities') }}
),

mayors as (
    select * from {{ ref('combined_authority_mayors') }}
),

la_memberships as (
    select * from {{ ref('int_la_lsoa21_memberships_unioned') }}
),

icb_memberships as (
    select * from {{ ref('int_lsoa21_icb_memberships_unioned') }}
),

residents as (
    select
        lsoa21_code,
        usual_residents_2021
    from {{ ref('int_lsoa21_populations_joined') }}
),

members as (
    select
        combined_authority_register_code as register_code,
        la_code as member_la_code
    from authorities
    where is_current and combined_authority_register_code is not null
),

combined_authorities as (
    -- the authorities named by some council: their own register row gives their GSS code and name
    select
        authorities.register_code,
        authorities.la_code as authority_code,
        authorities.official_name as authority_name,
        authorities.local_authority_type_name as authority_type_name
    from authorities
    where authorities.register_code in (select members.register_code from members)
),

authority_lsoas as (
    select distinct
        members.register_code,
        la_memberships.lsoa21_code
    from members
    inner join la_memberships on members.member_la_code = la_memberships.la_code
),

member_councils as (
    select
        register_code,
        count(*) as member_councils
    from members
    group by register_code
),

authorities_measured as (
    select
        authority_lsoas.register_code,
        count(*) as lsoa21_count,
        sum(residents.usual_residents_2021) as usual_residents_2021
    from authority_lsoas
    inner join residents on authority_lsoas.lsoa21_code = residents.lsoa21_code
    group by authority_lsoas.register_code
),

icbs_measured as (
    select
        icb_memberships.icb_vintage,
        icb_memberships.icb_code,
        count(*) as icb_lsoa21_count,
        sum(residents.usual_residents_2021) as icb_usual_residents_2021
    from icb_memberships
    inner join residents on icb_memberships.lsoa21_code = residents.lsoa21_code
    group by all
),

authority_icb_overlaps as (
    select
        authority_lsoas.register_code,
        icb_memberships.icb_vintage,
        icb_memberships.icb_code,
        count(*) as lsoa21_count_in_icb,
        sum(residents.usual_residents_2021) as usual_residents_2021_in_icb
    from authority_lsoas
    inner join icb_memberships on authority_lsoas.lsoa21_code = icb_memberships.lsoa21_code
    inner join residents on authority_lsoas.lsoa21_code = residents.lsoa21_code
    group by all
),

final as (
    select
        combined_authorities.register_code,
        combined_authorities.authority_code,
        combined_authorities.authority_name,
        combined_authorities.authority_type_name,
        cast(member_councils.member_councils as integer) as member_councils,
        mayors.residents_under_elected_mayor,
        mayors.mayor_since,
        mayors.mayoral_note,
        cast(authorities_measured.lsoa21_count as integer) as lsoa21_count,
        cast(authorities_measured.usual_residents_2021 as bigint) as usual_residents_2021,
        authority_icb_overlaps.icb_vintage,
        authority_icb_overlaps.icb_code,
        cast(authority_icb_overlaps.lsoa21_count_in_icb as integer) as lsoa21_count_in_icb,
        cast(icbs_measured.icb_lsoa21_count as integer) as icb_lsoa21_count,
        cast(authority_icb_overlaps.usual_residents_2021_in_icb as bigint) as usual_residents_2021_in_icb,
        authority_icb_overlaps.usual_residents_2021_in_icb / authorities_measured.usual_residents_2021
            as share_of_area_residents_in_icb,
        authority_icb_overlaps.usual_residents_2021_in_icb / icbs_measured.icb_usual_residents_2021
            as share_of_icb_residents_in_area,
        count(*) over (
            partition by combined_authorities.register_code, authority_icb_overlaps.icb_vintage
        ) > 1 as is_split_across_icbs
    from combined_authorities
    inner join member_councils on combined_authorities.register_code = member_councils.register_code
    inner join authorities_measured on combined_authorities.register_code = authorities_measured.register_code
    inner join authority_icb_overlaps
        on combined_authorities.register_code = authority_icb_overlaps.register_code
    inner join icbs_measured
        on authority_icb_overlaps.icb_vintage = icbs_measured.icb_vintage
        and authority_icb_overlaps.icb_code = icbs_measured.icb_code
    left join mayors on combined_authorities.register_code = mayors.register_code
)

select * from final

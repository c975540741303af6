-- The civic map of each ICS: for every ICB of every vintage, the councils, combined authorities and NHS
-- trusts it works with, one row per ICB, vintage, partner type and partner.
--   Councils: every upper-tier council (counties, unitaries, metropolitan districts, London boroughs) and
--     every lower-tier district council of a two-tier county (a district that is not itself an upper-tier
--     council) overlapping the ICB, from the registry of areas' LSOA21 memberships and Census 2021 usual
--     residents (int_area_icb_overlaps_measured), so both shares are exact. A unitary is one council and is
--     listed once, as upper-tier.
--   Combined authorities (and the Greater London Authority): the union of their member councils' LSOA21s
--     (int_combined_authority_icb_overlaps_measured), with whether their residents are under an elected
--     mayor.
--   NHS trusts open at the ODS extract: those headquartered in the ICB (ODS parent ICB) and the acute trusts
--     drawing at least 10% of their admissions from its residents wherever they are headquartered (the
--     threshold of the nhs_acute_trusts_serving_residents indicator). A trust has no residents: its
--     share_of_partner_residents_in_icb is the share of its admitted patients who live in the ICB (acute
--     trusts, OHID catchments), and share_of_icb_residents_in_partner is NULL, with the reason in
--     shares_note.

with

area_overlaps as (
    select * from {{ ref('int_area_icb_overlaps_measured') }}
),

authority_overlaps as (
    select * from {{ ref('int_combined_authority_icb_overlaps_measured') }}
),

icb_memberships as (
    select * from {{ ref('int_lsoa21_icb_memberships_unioned') }}
),

authorities as (
    select * from {{ ref('stg_mysociety__local_authorities') }}
),

trust_icbs as (
    select * from {{ ref('int_nhs_trusts_icbs_assigned') }}
),

catchments as (
    select * from {{ ref('int_nhs_acute_trust_catchments_apportioned') }}
),

eric_returns as (
    select * from {{ ref('int_nhs_eric_trust_returns_repaired') }}
),

icbs as (
    select
        icb_vintage,
        icb_code,
        any_value(icb_name) as icb_name,
        count(*) as icb_lsoa21_count
    from icb_memberships
    group by icb_vintage, icb_code
),

-- 'utla' and 'lad' are the registry's ids of upper-tier councils and local authority districts
upper_tier_codes as (
    select distinct area_code
    from area_overlaps
    where area_type = 'utla'
),

council_overlaps as (
    select
        area_overlaps.*,
        case
            when area_overlaps.area_type = 'utla' then 'upper-tier council'
            else 'lower-tier council'
        end as partner_type
    from area_overlaps
    where
        area_overlaps.area_type = 'utla'
        or (
            area_overlaps.area_type = 'lad'
            and area_overlaps.area_code not in (select upper_tier_codes.area_code from upper_tier_codes)
        )
),

councils as (
    select
        council_overlaps.icb_vintage,
        council_overlaps.icb_code,
        council_overlaps.partner_type,
        council_overlaps.area_code as partner_code,
        council_overlaps.area_name as partner_name,
        authorities.local_authority_type_name as partner_kind,
        council_overlaps.area_vintage as partner_area_vintage,
        'overlaps the ICB' as relationship,
        council_overlaps.share_of_area_residents_in_icb as share_of_partner_residents_in_icb,
        council_overlaps.share_of_icb_residents_in_area as share_of_icb_residents_in_partner,
        'Shares of Census 2021 usual residents, from the LSOA21s the council and the ICB have in common.'
            as shares_note,
        council_overlaps.usual_residents_2021 as partner_usual_residents_2021,
        council_overlaps.usual_residents_2021_in_icb as partner_usual_residents_2021_in_icb,
        council_overlaps.lsoa21_count_in_icb = council_overlaps.lsoa21_count
        and council_overlaps.lsoa21_count_in_icb = icbs.icb_lsoa21_count as is_coterminous,
        council_overlaps.lsoa21_count_in_icb = council_overlaps.lsoa21_count as is_partner_wholly_in_icb,
        council_overlaps.is_split_across_icbs as is_partner_split_across_icbs,
        cast(null as boolean) as has_elected_mayor,
        cast(null as varchar) as mayoral_note,
        'lsoa21_exact' as method,
        council_overlaps.area_vintage || ' boundaries; Census 2021 usual residents' as as_at
    from council_overlaps
    inner join icbs
        on council_overlaps.icb_vintage = icbs.icb_vintage
        and council_overlaps.icb_code = icbs.icb_code
    left join authorities on council_overlaps.area_code = authorities.la_code
),

combined_authorities as (
    select
        authority_overlaps.icb_vintage,
        authority_overlaps.icb_code,
        'combined authority' as partner_type,
        authority_overlaps.authority_code as partner_code,
        authority_overlaps.authority_name as partner_name,
        authority_overlaps.authority_type_name as partner_kind,
        cast(null as varchar) as partner_area_vintage,
        'overlaps the ICB' as relationship,
        authority_overlaps.share_of_area_residents_in_icb as share_of_partner_residents_in_icb,
        authority_overlaps.share_of_icb_residents_in_area as share_of_icb_residents_in_partner,
        'Shares of Census 2021 usual residents, from the LSOA21s of the authority''s '
        || authority_overlaps.member_councils || ' member councils and the ICB''s.' as shares_note,
        authority_overlaps.usual_residents_2021 as partner_usual_residents_2021,
        authority_overlaps.usual_residents_2021_in_icb as partner_usual_residents_2021_in_icb,
        authority_overlaps.lsoa21_count_in_icb = authority_overlaps.lsoa21_count
        and authority_overlaps.lsoa21_count_in_icb = authority_overlaps.icb_lsoa21_count as is_coterminous,
        authority_overlaps.lsoa21_count_in_icb = authority_overlaps.lsoa21_count as is_partner_wholly_in_icb,
        authority_overlaps.is_split_across_icbs as is_partner_split_across_icbs,
        authority_overlaps.residents_under_elected_mayor as has_elected_mayor,
        authority_overlaps.mayoral_note,
        'lsoa21_exact_member_councils' as method,
        'mySociety register of councils (July 2025 package); Census 2021 usual residents' as as_at
    from authority_overlaps
),

acute_trusts as (
    select distinct trust_code from catchments
),

-- each trust's type as its latest readable ERIC return gives it (ODS records no trust type)
trust_types as (
    select
        trust_code,
        lower(organisation_type) as trust_type,
        'ERIC ' || period || ' organisation type' as trust_type_basis
    from eric_returns
    where organisation_type is not null and row_layout <> 'unrepairable'
    qualify row_number() over (partition by trust_code order by period_start desc) = 1
),

hq_trusts as (
    select
        trust_code,
        trust_name,
        icb_vintage,
        icb_code,
        assignment_basis,
        is_parent_icb_split
    from trust_icbs
    where is_open and icb_code is not null
),

open_trusts as (
    select distinct
        trust_code,
        trust_name
    from hq_trusts
),

trust_pairs as (
    select
        trust_code,
        icb_vintage,
        icb_code
    from hq_trusts
    union
    select
        catchments.trust_code,
        catchments.icb_vintage,
        catchments.icb_code
    from catchments
    -- a closed trust's catchment describes an organisation that no longer exists
    where
        catchments.admissions_share >= 0.1
        and catchments.trust_code in (select open_trusts.trust_code from open_trusts)
),

trusts as (
    select
        trust_pairs.icb_vintage,
        trust_pairs.icb_code,
        'NHS trust' as partner_type,
        trust_pairs.trust_code as partner_code,
        open_trusts.trust_name as partner_name,
        coalesce(
            trust_types.trust_type,
            case when acute_trusts.trust_code is not null then 'acute' end
        ) as partner_kind,
        cast(null as varchar) as partner_area_vintage,
        case
            when hq_trusts.trust_code is not null then 'headquartered in the ICB'
            else 'serves the ICB''s residents (at least 10% of its admissions)'
        end as relationship,
        case
            when acute_trusts.trust_code is not null then coalesce(catchments.admissions_share, 0)
        end as share_of_partner_residents_in_icb,
        cast(null as double) as share_of_icb_residents_in_partner,
        case
            when acute_trusts.trust_code is not null
                then
                    'share_of_partner_residents_in_icb is the share of the trust''s 2020 admissions '
                    || 'that came from the ICB''s residents (OHID acute trust catchments). '
                    || 'share_of_icb_residents_in_partner is not known: OHID gives each trust''s '
                    || 'admissions by home area, not the share of an area''s residents a trust serves.'
            else
                'No shares: a trust has no residents, and OHID models catchments for acute trusts only; the '
                || 'trust is placed by its headquarters (ODS parent ICB).'
        end
        || case
            when trust_types.trust_type is null and acute_trusts.trust_code is not null
                then ' Type: acute, from OHID''s list of acute trusts (no ERIC return under this code).'
            when trust_types.trust_type is null then ' Type not known: no ERIC return under this code.'
            else ' Type: ' || trust_types.trust_type_basis || '.'
        end
        || case
            when hq_trusts.is_parent_icb_split
                then ' Its headquarters may lie in another ICB of this vintage (its ICB24 was split).'
            else ''
        end as shares_note,
        cast(null as bigint) as partner_usual_residents_2021,
        cast(null as bigint) as partner_usual_residents_2021_in_icb,
        cast(null as boolean) as is_coterminous,
        cast(null as boolean) as is_partner_wholly_in_icb,
        cast(null as boolean) as is_partner_split_across_icbs,
        cast(null as boolean) as has_elected_mayor,
        cast(null as varchar) as mayoral_note,
        concat_ws('; ', hq_trusts.assignment_basis, catchments.share_basis) as method,
        'ODS trusts (c. December 2024)'
        || case
            when acute_trusts.trust_code is not null then '; OHID catchments (2020 admissions)' else ''
        end as as_at
    from trust_pairs
    inner join open_trusts on trust_pairs.trust_code = open_trusts.trust_code
    left join hq_trusts
        on trust_pairs.trust_code = hq_trusts.trust_code
        and trust_pairs.icb_vintage = hq_trusts.icb_vintage
        and trust_pairs.icb_code = hq_trusts.icb_code
    left join catchments
        on trust_pairs.trust_code = catchments.trust_code
        and trust_pairs.icb_vintage = catchments.icb_vintage
        and trust_pairs.icb_code = catchments.icb_code
    left join acute_trusts on trust_pairs.trust_code = acute_trusts.trust_code
    left join trust_types on trust_pairs.trust_code = trust_types.trust_code
),

partners as (
    select * from councils
    union all by name
    select * from combined_authorities
    union all by name
    select * from trusts
),

final as (
    select
        partners.icb_code,
        icbs.icb_name,
        partners.icb_vintage,
        partners.partner_type,
        partners.partner_code,
        partners.partner_name,
        partners.partner_kind,
        partners.partner_area_vintage,
        partners.relationship,
        partners.share_of_partner_residents_in_icb,
        partners.share_of_icb_residents_in_partner,
        partners.shares_note,
        cast(partners.partner_usual_residents_2021 as bigint) as partner_usual_residents_2021,
        cast(partners.partner_usual_residents_2021_in_icb as bigint) as partner_usual_residents_2021_in_icb,
        partners.is_coterminous,
        partners.is_partner_wholly_in_icb,
        partners.is_partner_split_across_icbs,
        partners.has_elected_mayor,
        partners.mayoral_note,
        partners.method,
        partners.as_at
    from partners
    inner join icbs
        on partners.icb_vintage = icbs.icb_vintage
        and partners.icb_code = icbs.icb_code
)

select * from final

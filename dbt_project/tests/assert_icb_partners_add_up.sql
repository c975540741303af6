{{ config(meta={'dagster': {'ref': {'name': 'icb_partners'}}}) }}
-- The civic map adds up: every council and combined authority's shares of residents over the ICBs of a
-- vintage sum to 1 (LSOA21s of an English council all lie in some ICB); every ICB of every vintage has at
-- least one upper-tier council, and its upper-tier councils' shares of its residents sum to 1; and no ICB has
-- more than all its residents under elected mayors (the authorities' grounds do not overlap). Rows returned
-- are failures.

with

partners as (
    select * from {{ ref('icb_partners') }}
),

civic_figures as (
    select * from {{ ref('int_icb_civic_indicators_aggregated') }}
),

icbs as (
    select distinct
        icb_vintage,
        icb_code
    from {{ ref('int_lsoa21_icb_memberships_unioned') }}
),

share_sums as (
    select
        icb_vintage,
        partner_type,
        partner_code,
        sum(share_of_partner_residents_in_icb) as share_sum
    from partners
    where partner_type <> 'NHS trust'
    group by all
),

upper_tier_held as (
    select
        icb_vintage,
        icb_code,
        sum(share_of_icb_residents_in_partner) as held
    from partners
    where partner_type = 'upper-tier council'
    group by all
),

failures as (
    select
        'shares of ' || partner_type || ' ' || partner_code || ' in ' || icb_vintage
        || ' sum to ' || share_sum as failure
    from share_sums
    where abs(share_sum - 1) > 1e-9
    union all
    select 'no upper-tier council for ' || icbs.icb_code || ' in ' || icbs.icb_vintage as failure
    from icbs
    left join partners
        on icbs.icb_vintage = partners.icb_vintage
        and icbs.icb_code = partners.icb_code
        and partners.partner_type = 'upper-tier council'
    where partners.icb_code is null
    union all
    select
        'upper-tier councils of ' || icb_code || ' in ' || icb_vintage || ' hold ' || held
        || ' of its residents' as failure
    from upper_tier_held
    where abs(held - 1) > 1e-9
    union all
    select 'mayoral share ' || value || ' for ' || icb_code || ' in ' || icb_vintage as failure
    from civic_figures
    where value < 0 or value > 1 + 1e-12
)

select * from failures

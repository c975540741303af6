{#- predecessor acute trust -> the trust it merged into, the date it took effect, and what happened -#}
{% set trust_successions = [
    ("RLU", "RQ3", "2017-02-01", "Birmingham Women's into Birmingham Women's and Children's"),
    ("RQQ", "RGN", "2017-04-01", "Hinchingbrooke into North West Anglia"),
    ("RM2", "R0A", "2017-10-01", "University Hospital of South Manchester into Manchester University"),
    ("RW3", "R0A", "2017-10-01", "Central Manchester University Hospitals into Manchester University"),
    ("RR1", "RRK", "2018-04-01", "Heart of England into University Hospitals Birmingham"),
    ("RGQ", "RDE", "2018-07-01", "Ipswich Hospital into East Suffolk and North Essex"),
    ("RJF", "RTG", "2018-07-01", "Burton Hospitals into University Hospitals of Derby and Burton"),
    ("RE9", "R0B", "2019-04-01", "South Tyneside into South Tyneside and Sunderland"),
    ("RLN", "R0B", "2019-04-01", "City Hospitals Sunderland into South Tyneside and Sunderland"),
    ("RNL", "RNN", "2019-10-01", "North Cumbria University Hospitals into North Cumbria Integrated Care"),
    ("RQ6", "REM", "2019-10-01", "Royal Liverpool and Broadgreen into Liverpool University Hospitals"),
    ("RBA", "RH5", "2020-04-01", "Taunton and Somerset into Somerset NHS FT"),
    ("RDD", "RAJ", "2020-04-01", "Basildon and Thurrock into Mid and South Essex"),
    ("RQ8", "RAJ", "2020-04-01", "Mid Essex into Mid and South Essex"),
    ("RA3", "RA7", "2020-04-01", "Weston Area Health into University Hospitals Bristol and Weston"),
    ("RC1", "RC9", "2020-04-01", "Bedford Hospital into Bedfordshire Hospitals"),
    ("RDZ", "R0D", "2020-10-01", "Royal Bournemouth and Christchurch into University Hospitals Dorset"),
    ("RD3", "R0D", "2020-10-01", "Poole Hospital into University Hospitals Dorset"),
    ("RT3", "RJ1", "2021-02-01", "Royal Brompton and Harefield into Guy's and St Thomas'"),
    ("RXH", "RYR", "2021-04-01", "Brighton and Sussex University Hospitals into University Hospitals Sussex"),
    ("RW6", "RM3", "2021-10-01", "Pennine Acute (Oldham, Rochdale, Fairfield) into Northern Care Alliance; "
        ~ "its North Manchester General Hospital went to Manchester University (R0A)")
] %}
-- How each ERIC trust return is shared among the ICBs of every vintage: one row per year, trust, ICB
-- vintage and ICB, with the share of the trust's figures the ICB takes (shares sum to 1 per trust and
-- vintage, so every figure is conserved across ICBs). attribution_method says how:
--   catchment_apportioned            an acute trust, by where its admitted patients live (OHID catchments,
--                                    int_nhs_acute_trust_catchments_apportioned), rescaled to sum to 1 over
--                                    English ICBs (in this snapshot they already do, to 1e-15)
--   successor_catchment_apportioned  an acute trust merged before the 2022 catchments, by its successor's
--                                    catchment (trust_successions below)
--   organisation_hq                  every other trust (and an acute one with neither), wholly to the ICB of
--                                    its headquarters (ODS parent ICB, int_nhs_trusts_icbs_assigned)
--   not_attributed                   no ODS record (care trusts with T-codes): in no ICB, share 1 kept
--                                    with a NULL icb_code so the return is counted out openly
-- The succession list is this model's own, minimal: the acute trusts of the three ERIC years with no 2022
-- catchment that merged into one with (the ODS close dates agree); a registered succession table for all
-- NHS trusts would replace it.

with

returns as (
    select distinct
        period,
        trust_code,
        is_acute_trust
    from {{ ref('int_nhs_eric_trust_series_joined') }}
),

catchments as (
    select * from {{ ref('int_nhs_acute_trust_catchments_apportioned') }}
),

trust_icbs as (
    select * from {{ ref('int_nhs_trusts_icbs_assigned') }}
),

memberships as (
    select * from {{ ref('int_lsoa21_icb_memberships_unioned') }}
),

vintages as (
    select distinct icb_vintage from memberships
),

-- predecessor acute trust -> the trust it merged into (NHS trust mergers, with the date they took effect)
trust_successions as (
    {%- for row in trust_successions %}
        select
            '{{ row[0] | replace("'", "''") }}' as predecessor_code,
            '{{ row[1] | replace("'", "''") }}' as successor_code,
            date '{{ row[2] | replace("'", "''") }}' as effective_date,
            '{{ row[3] | replace("'", "''") }}' as note
        {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

catchment_trusts as (
    select distinct trust_code from catchments
),

-- the trust whose catchment an acute return uses: its own, else its successor's
catchment_sources as (
    select
        returns.period,
        returns.trust_code,
        case
            when own.trust_code is not null then returns.trust_code
            when successor.trust_code is not null then trust_successions.successor_code
        end as catchment_trust_code,
        case
            when own.trust_code is not null then 'catchment_apportioned'
            when successor.trust_code is not null then 'successor_catchment_apportioned'
        end as attribution_method
    from returns
    left join catchment_trusts as own on returns.trust_code = own.trust_code
    left join trust_successions
        on returns.trust_code = trust_successions.predecessor_code
        and returns.is_acute_trust
    left join catchment_trusts as successor on trust_successions.successor_code = successor.trust_code
),

catchment_shares as (
    select
        trust_code,
        icb_vintage,
        icb_code,
        admissions_share / sum(admissions_share) over (partition by trust_code, icb_vintage) as share
    from catchments
),

by_catchment as (
    select
        catchment_sources.period,
        catchment_sources.trust_code,
        catchment_shares.icb_vintage,
        catchment_shares.icb_code,
        catchment_shares.share,
        catchment_sources.attribution_method,
        catchment_sources.catchment_trust_code
    from catchment_sources
    inner join catchment_shares on catchment_sources.catchment_trust_code = catchment_shares.trust_code
),

by_hq_or_none as (
    select
        catchment_sources.period,
        catchment_sources.trust_code,
        vintages.icb_vintage,
        trust_icbs.icb_code,
        1.0 as share,
        case when trust_icbs.icb_code is not null then 'organisation_hq' else 'not_attributed' end
            as attribution_method,
        cast(null as varchar) as catchment_trust_code
    from catchment_sources
    cross join vintages
    left join trust_icbs
        on catchment_sources.trust_code = trust_icbs.trust_code
        and vintages.icb_vintage = trust_icbs.icb_vintage
    where catchment_sources.catchment_trust_code is null
),

final as (
    select * from by_catchment
    union all by name
    select * from by_hq_or_none
)

select * from final

-- The civic-map indicators of each ICB (one row per ICB, vintage, indicator and period, in the layout of the
-- other ICB indicator models): the share of its Census 2021 usual residents living under a directly elected
-- mayor (a mayoral combined authority or the Greater London Authority), exact on LSOA21s: the sum, over the
-- authorities whose residents are under a mayor, of their residents in the ICB. No council belongs to two
-- authorities, so the authorities' grounds do not overlap (checked: the share never exceeds 1). Every ICB of
-- every vintage has the figure, 0 where no such authority overlaps it.

with

authority_overlaps as (
    select * from {{ ref('int_combined_authority_icb_overlaps_measured') }}
),

icb_memberships as (
    select * from {{ ref('int_lsoa21_icb_memberships_unioned') }}
),

populations as (
    select * from {{ ref('int_lsoa21_populations_joined') }}
),

icbs as (
    select
        icb_memberships.icb_vintage,
        icb_memberships.icb_code,
        sum(populations.usual_residents_2021) as usual_residents_2021
    from icb_memberships
    inner join populations on icb_memberships.lsoa21_code = populations.lsoa21_code
    group by all
),

under_mayor as (
    select
        icb_vintage,
        icb_code,
        sum(usual_residents_2021_in_icb) as residents_under_mayor
    from authority_overlaps
    where residents_under_elected_mayor
    group by icb_vintage, icb_code
),

final as (
    select
        icbs.icb_code,
        icbs.icb_vintage,
        'icb_residents_under_elected_mayor_share' as indicator_id,
        -- the register's package (July 2025) says who belongs to which authority; the seed, who has a mayor
        '2025' as period,
        make_date(2025, 7, 1) as period_start,
        cast(coalesce(under_mayor.residents_under_mayor, 0) / icbs.usual_residents_2021 as double) as value,
        cast(null as double) as lower_ci,
        cast(null as double) as upper_ci,
        cast(coalesce(under_mayor.residents_under_mayor, 0) as double) as numerator,
        cast(icbs.usual_residents_2021 as double) as denominator,
        'ok' as value_status,
        'lsoa_exact' as method,
        'mysociety_local_authorities' as source_id,
        1.0 as coverage
    from icbs
    left join under_mayor
        on icbs.icb_vintage = under_mayor.icb_vintage
        and icbs.icb_code = under_mayor.icb_code
)

select * from final

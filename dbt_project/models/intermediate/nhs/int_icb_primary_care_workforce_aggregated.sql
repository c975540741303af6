-- General practice staff (FTE) per 10,000 registered patients for every ICB of every vintage and financial
-- year, from the practice-level file, in the column layout of the other ICB indicator models. A ratio of
-- sums: the FTE of the ICB's practices over their registered patients (both financial-year means), leaving
-- out, for each staff group, the practices that did not report it (NA), so a gap is never read as zero staff.
-- coverage = the share of the ICB's residents in the part whose practices could be attributed (1 unless an
-- ICB the practices' names denote is split across this vintage's ICBs: int_gp_practice_name_icbs_placed) x
-- the share of those practices' patients in practices that reported the staff group. A partial year keeps its
-- months in the period label (stg_heec__gp_practice_workforce_years).

{% set staff_groups = primary_care_staff_groups() %}

with

practices as (
    select * from {{ ref('int_gp_practice_workforce_icbs_attributed') }}
),

icb_memberships as (
    select * from {{ ref('int_lsoa21_icb_memberships_unioned') }}
),

placements as (
    select * from {{ ref('int_gp_practice_name_icbs_placed') }}
),

residents as (
    select
        lsoa21_code,
        usual_residents_2021
    from {{ ref('int_lsoa21_populations_joined') }}
),

-- the LSOA21s whose practices each ICB's figure stands for: the footprints of the name ICBs placed in it
placed_footprints as (
    select
        placements.icb_vintage,
        placements.icb_code,
        icb_memberships.lsoa21_code
    from placements
    inner join icb_memberships
        on placements.footprint_vintage = icb_memberships.icb_vintage
        and placements.footprint_icb_code = icb_memberships.icb_code
    where placements.icb_code is not null
),

geographic_coverage as (
    select
        icb_memberships.icb_code,
        icb_memberships.icb_vintage,
        coalesce(
            sum(residents.usual_residents_2021) filter (where placed_footprints.lsoa21_code is not null)
            / sum(residents.usual_residents_2021),
            0
        ) as attributable_share
    from icb_memberships
    inner join residents on icb_memberships.lsoa21_code = residents.lsoa21_code
    left join placed_footprints
        on icb_memberships.icb_vintage = placed_footprints.icb_vintage
        and icb_memberships.icb_code = placed_footprints.icb_code
        and icb_memberships.lsoa21_code = placed_footprints.lsoa21_code
    group by icb_memberships.icb_code, icb_memberships.icb_vintage
),

-- how the vintage places names: by ODS code, or by nesting where it has none
vintage_methods as (
    select distinct
        icb_vintage,
        method
    from placements
),

periods as (
    select distinct
        period,
        period_start
    from practices
),

staff_values as (
    {% for column, indicator_id in staff_groups.items() %}
        select
            icb_code,
            icb_vintage,
            period,
            '{{ indicator_id }}' as indicator_id,
            registered_patients,
            {{ column }} as fte
        from practices
        where attribution_status = 'attributed'
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

sums as (
    select
        icb_code,
        icb_vintage,
        period,
        indicator_id,
        sum(fte) as fte,
        sum(registered_patients) filter (where fte is not null) as reporting_patients,
        sum(registered_patients) as patients
    from staff_values
    group by icb_code, icb_vintage, period, indicator_id
),

-- every ICB, year and staff group, so an ICB none of whose practices could be attributed shows as missing
icb_years as (
    select
        geographic_coverage.icb_code,
        geographic_coverage.icb_vintage,
        geographic_coverage.attributable_share,
        periods.period,
        periods.period_start,
        indicators.indicator_id
    from geographic_coverage
    cross join periods
    cross join (
        values
        {% for indicator_id in staff_groups.values() %}
            ('{{ indicator_id }}'){% if not loop.last %},{% endif %}
        {% endfor %}
    ) as indicators (indicator_id)
),

final as (
    select
        icb_years.icb_code,
        icb_years.icb_vintage,
        icb_years.indicator_id,
        icb_years.period,
        icb_years.period_start,
        10000 * sums.fte / nullif(sums.reporting_patients, 0) as value,
        cast(null as double) as lower_ci,
        cast(null as double) as upper_ci,
        sums.fte as numerator,
        sums.reporting_patients as denominator,
        case
            when sums.fte is null then 'missing'
            when icb_years.attributable_share * sums.reporting_patients / sums.patients < 0.9999
                then 'partial'
            else 'ok'
        end as value_status,
        vintage_methods.method,
        'heec_gp_workforce_practice_fy' as source_id,
        cast(
            icb_years.attributable_share
            * coalesce(sums.reporting_patients / nullif(sums.patients, 0), 0) as double
        ) as coverage
    from icb_years
    inner join vintage_methods on icb_years.icb_vintage = vintage_methods.icb_vintage
    left join sums
        on icb_years.icb_code = sums.icb_code
        and icb_years.icb_vintage = sums.icb_vintage
        and icb_years.period = sums.period
        and icb_years.indicator_id = sums.indicator_id
)

select * from final

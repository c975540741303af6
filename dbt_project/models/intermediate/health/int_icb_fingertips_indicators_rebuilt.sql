-- Fingertips count-based indicators rebuilt for every ICB vintage from the areas below an ICB, as the sum of
-- counts over the sum of denominators (never a mean of rates). Published ICB values are NOT used here (they
-- are preferred in int_icb_health_indicators_preferred), so the ICB22 rows can be reconciled with them. Two
-- routes, the first that the data supports for the ICB, vintage and period:
--   sicbl_aggregated: the sub-ICB locations (2022 codes) whose population lies mostly in the ICB. Used only
--     when each of them has a figure, each lies at least 99% in the ICB, and together they cover at least 99%
--     of the ICB's residents aged 16+ (mid-2020); split_sicbl_codes names any SICBL cut by the ICB boundary.
--     Practice-based, like the published ICB figure.
--   la_aggregated / la_apportioned: lower-tier local authority counts and denominators, a split authority
--     shared by its LSOA population share on the registry's weight basis (int_la_icb_weights_derived), as the
--     LA pipeline does. Authorities without a figure are left out and reported through coverage.

with

registry as (
    select * from {{ ref('indicator_registry') }}
),

qof_smoking as (
    select * from {{ ref('stg_ohid_fingertips__qof_smoking_prevalences') }}
),

mental_disorders as (
    select * from {{ ref('stg_ohid_fingertips__mental_disorder_prevalences') }}
),

sicbl_memberships as (
    select * from {{ ref('int_sicbl22_icb_memberships_derived') }}
),

la_weights as (
    select * from {{ ref('int_la_icb_weights_derived') }}
),

code_overlaps as (
    select * from {{ ref('int_la_code_overlaps_derived') }}
),

fingertips_rows as (
    select * from qof_smoking
    union all
    select * from mental_disorders
),

headline as (
    -- headline figures only (no deprivation breakdowns). An export can list an area twice under two age
    -- labels with the same figures (91547 in 2015/16: "15+ yrs" and "Not applicable"); keep the labelled one.
    -- A left join: an indicator missing from the registry keeps a NULL indicator_id and fails the tests.
    select
        registry.indicator_id,
        registry.weight_basis,
        registry.unit,
        fingertips_rows.source_id,
        fingertips_rows.area_code,
        fingertips_rows.area_type,
        fingertips_rows.period,
        fingertips_rows.period_start,
        fingertips_rows.numerator,
        fingertips_rows.denominator,
        fingertips_rows.value_status,
        fingertips_rows.numerator is not null and fingertips_rows.denominator > 0 as has_counts
    from fingertips_rows
    left join registry
        on fingertips_rows.source_id = registry.source_id
        and fingertips_rows.indicator_name = registry.source_indicator_name
    where
        fingertips_rows.category_type is null
        and fingertips_rows.area_type in ('ICB sub-locations', 'District', 'UA')
    qualify row_number() over (
        partition by
            fingertips_rows.source_id,
            fingertips_rows.fingertips_area_code,
            fingertips_rows.area_type,
            fingertips_rows.period
        order by fingertips_rows.age = 'Not applicable', fingertips_rows.age
    ) = 1
),

-- sub-ICB route --------------------------------------------------------------------------------------------

sicbl_assignments as (
    select * from sicbl_memberships
    where is_majority_icb
),

sicbl_structure as (
    -- per ICB and vintage: the SICBLs assigned to it, the least of their shares inside it, and how much of
    -- the ICB's population they cover
    select
        icb_vintage,
        icb_code,
        count(*) as sicbls_assigned,
        min(share_of_sicbl_population) as min_sicbl_share,
        sum(population_aged_16_plus_2020) / any_value(icb_population_aged_16_plus_2020) as coverage,
        string_agg(sicbl22_code, ',' order by sicbl22_code) filter (where is_split_sicbl) as split_sicbl_codes
    from sicbl_assignments
    group by icb_vintage, icb_code
),

sicbl_sums as (
    select
        headline.indicator_id,
        headline.source_id,
        headline.period,
        sicbl_assignments.icb_vintage,
        sicbl_assignments.icb_code,
        min(headline.period_start) as period_start,
        any_value(headline.unit) as unit,
        count(*) filter (where headline.has_counts) as sicbls_with_figures,
        sum(headline.numerator) filter (where headline.has_counts) as numerator,
        sum(headline.denominator) filter (where headline.has_counts) as denominator,
        coalesce(bool_or(headline.value_status = 'low_reliability'), false) as uses_low_reliability
    from headline
    inner join sicbl_assignments on headline.area_code = sicbl_assignments.sicbl22_code
    where headline.area_type = 'ICB sub-locations'
    group by
        headline.indicator_id,
        headline.source_id,
        headline.period,
        sicbl_assignments.icb_vintage,
        sicbl_assignments.icb_code
),

sicbl_route as (
    select
        sicbl_sums.icb_code,
        sicbl_sums.icb_vintage,
        sicbl_sums.indicator_id,
        sicbl_sums.source_id,
        sicbl_sums.period,
        sicbl_sums.period_start,
        sicbl_sums.unit,
        sicbl_sums.numerator,
        sicbl_sums.denominator,
        sicbl_structure.coverage,
        sicbl_sums.uses_low_reliability,
        false as all_missing,
        'sicbl_aggregated' as method,
        sicbl_structure.split_sicbl_codes,
        sicbl_sums.sicbls_with_figures as areas_used,
        1 as route_preference
    from sicbl_sums
    inner join sicbl_structure
        on sicbl_sums.icb_code = sicbl_structure.icb_code
        and sicbl_sums.icb_vintage = sicbl_structure.icb_vintage
    where
        sicbl_sums.sicbls_with_figures = sicbl_structure.sicbls_assigned
        and sicbl_structure.min_sicbl_share >= 0.99
        and sicbl_structure.coverage >= 0.99
),

-- local authority route ------------------------------------------------------------------------------------

la_rows as (
    select * from headline
    where area_type in ('District', 'UA') and regexp_matches(area_code, '^E0[6-9]')
),

la_deduplicated as (
    -- where a period lists both a code and the code that superseded it, keep only the latter
    {{ without_superseded_codes('la_rows', 'area_code') }}
),

icb_totals as (
    select * from {{ ref('int_icb_population_bases_aggregated') }}
),

la_sums as (
    select
        la_deduplicated.indicator_id,
        la_deduplicated.source_id,
        la_deduplicated.period,
        la_weights.icb_vintage,
        la_weights.icb_code,
        la_deduplicated.weight_basis,
        min(la_deduplicated.period_start) as period_start,
        any_value(la_deduplicated.unit) as unit,
        count(*) filter (where la_deduplicated.has_counts) as las_with_figures,
        sum(la_deduplicated.numerator * la_weights.share_of_la_population) filter (
            where la_deduplicated.has_counts
        ) as numerator,
        sum(la_deduplicated.denominator * la_weights.share_of_la_population) filter (
            where la_deduplicated.has_counts
        ) as denominator,
        sum(la_weights.population) filter (where la_deduplicated.has_counts) as covered_population,
        coalesce(
            bool_or(la_weights.is_split_la) filter (where la_deduplicated.has_counts), false
        ) as uses_split_la,
        coalesce(
            bool_or(la_deduplicated.value_status = 'low_reliability') filter (
                where la_deduplicated.has_counts
            ),
            false
        ) as uses_low_reliability,
        bool_and(la_deduplicated.value_status = 'missing') as all_missing
    from la_deduplicated
    inner join la_weights
        on la_deduplicated.area_code = la_weights.la_code
        and la_deduplicated.weight_basis = la_weights.population_basis
    group by
        la_deduplicated.indicator_id,
        la_deduplicated.source_id,
        la_deduplicated.period,
        la_weights.icb_vintage,
        la_weights.icb_code,
        la_deduplicated.weight_basis
),

la_route as (
    select
        la_sums.icb_code,
        la_sums.icb_vintage,
        la_sums.indicator_id,
        la_sums.source_id,
        la_sums.period,
        la_sums.period_start,
        la_sums.unit,
        la_sums.numerator,
        la_sums.denominator,
        coalesce(la_sums.covered_population / icb_totals.population, 0) as coverage,
        la_sums.uses_low_reliability,
        la_sums.all_missing,
        case when la_sums.uses_split_la then 'la_apportioned' else 'la_aggregated' end as method,
        cast(null as varchar) as split_sicbl_codes,
        la_sums.las_with_figures as areas_used,
        2 as route_preference
    from la_sums
    inner join icb_totals
        on la_sums.icb_code = icb_totals.icb_code
        and la_sums.icb_vintage = icb_totals.icb_vintage
        and la_sums.weight_basis = icb_totals.population_basis
),

-- the first route the data supports ------------------------------------------------------------------------

candidates as (
    select * from sicbl_route
    union all
    select * from la_route
),

chosen as (
    select * from candidates
    qualify row_number() over (
        partition by icb_code, icb_vintage, indicator_id, period
        order by route_preference
    ) = 1
),

final as (
    select
        icb_code,
        icb_vintage,
        indicator_id,
        period,
        period_start,
        case
            when unit = 'percent' then 100.0 * numerator / nullif(denominator, 0)
            when unit = 'per_100000' then 100000.0 * numerator / nullif(denominator, 0)
            else numerator / nullif(denominator, 0)
        end as value,
        cast(null as double) as lower_ci,
        cast(null as double) as upper_ci,
        numerator,
        denominator,
        case
            when numerator is null and all_missing then 'missing'
            when numerator is null then 'suppressed'
            when coverage < 0.9999 then 'partial'
            when uses_low_reliability then 'low_reliability'
            else 'ok'
        end as value_status,
        method,
        source_id,
        coverage,
        split_sicbl_codes,
        areas_used
    from chosen
)

select * from final

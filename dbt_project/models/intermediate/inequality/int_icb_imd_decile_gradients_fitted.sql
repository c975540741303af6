-- A national-decile gradient of each outcome measure across the national IMD deciles present in an ICB. This
-- is NOT PHE's slope index of inequality (that ranks deprivation within the area, so all ten deciles exist:
-- int_icb_local_decile_sii_simulated); it measures the ICB over whatever span of national deprivation it
-- holds. The ICB's population (the measure's denominator) is ranked by national decile, most deprived first;
-- each decile sits at the midpoint x of its cumulative share of that population (0-1); a line of decile value
-- on x is fitted by least squares weighted by the decile's denominator. national_decile_sii = fitted value at
-- x = 0 (most deprived) minus fitted value at x = 1 (least deprived) = minus the slope.

with

deciles as (
    select * from {{ ref('int_icb_imd_decile_measures_aggregated') }}
),

outcome_deciles as (
    -- the population distribution is the x axis itself, not an outcome to fit
    select * from deciles
    where measure_kind = 'outcome'
),

present as (
    select * from outcome_deciles
    where denominator > 0 and value is not null
),

positioned as (
    select
        *,
        (sum(denominator) over cumulative - denominator / 2) / sum(denominator) over series_window as x
    from present
    window
        series_window as (partition by icb_code, icb_vintage, measure_id, period, imd_edition),
        cumulative as (series_window order by imd_decile rows between unbounded preceding and current row)
),

weighted_means as (
    select
        *,
        sum(denominator * x) over series_window / sum(denominator) over series_window as mean_x,
        sum(denominator * value) over series_window / sum(denominator) over series_window as mean_value
    from positioned
    window series_window as (partition by icb_code, icb_vintage, measure_id, period, imd_edition)
),

centred as (
    select
        *,
        x - mean_x as x_centred,
        value - mean_value as value_centred
    from weighted_means
),

fits as (
    select
        icb_code,
        icb_vintage,
        measure_id,
        period,
        imd_edition,
        count(*) as deciles_present,
        min(imd_decile) as most_deprived_decile_present,
        max(imd_decile) as least_deprived_decile_present,
        sum(denominator * value) / sum(denominator) as overall_value,
        sum(denominator * x_centred * value_centred) / nullif(sum(denominator * x_centred * x_centred), 0)
            as slope,
        arg_min(value, imd_decile) - arg_max(value, imd_decile) as gap_most_minus_least_deprived
    from centred
    group by icb_code, icb_vintage, measure_id, period, imd_edition
),

series as (
    select
        icb_code,
        icb_vintage,
        measure_id,
        period,
        imd_edition,
        any_value(unit) as unit,
        any_value(source_id) as source_id,
        -- any apportioned decile makes the whole fit apportioned
        case when bool_or(method = 'lsoa_apportioned') then 'lsoa_apportioned' else 'lsoa_exact' end as method
    from outcome_deciles
    group by icb_code, icb_vintage, measure_id, period, imd_edition
),

final as (
    select
        series.icb_code,
        series.icb_vintage,
        series.measure_id,
        series.period,
        series.imd_edition,
        series.unit,
        cast(coalesce(fits.deciles_present, 0) as integer) as deciles_present,
        fits.most_deprived_decile_present,
        fits.least_deprived_decile_present,
        fits.overall_value,
        case when fits.deciles_present >= 5 then -fits.slope end as national_decile_sii,
        case when fits.deciles_present >= 2 then fits.gap_most_minus_least_deprived end
            as gap_most_minus_least_deprived,
        case
            when coalesce(fits.deciles_present, 0) < 5
                then format(
                    'fewer than 5 national IMD deciles with a non-zero denominator in the ICB ({})',
                    coalesce(fits.deciles_present, 0)
                )
        end as national_decile_sii_not_computed_reason,
        series.method,
        series.source_id
    from series
    left join fits
        on series.icb_code = fits.icb_code
        and series.icb_vintage = fits.icb_vintage
        and series.measure_id = fits.measure_id
        and series.period = fits.period
        and series.imd_edition = fits.imd_edition
)

select * from final

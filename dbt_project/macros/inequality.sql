{#-
  LSOA measures by IMD decile within each ICB, for national deciles (int_icb_imd_decile_measures_aggregated) and
  local deciles ranked within the ICB (int_icb_imd_local_decile_measures_aggregated): `shares` places each LSOA's
  counts in (ICB, decile) cells, `counts` holds the LSOA numerators and denominators. Numerators and
  denominators are summed over the (shares of) LSOAs of the ICB in the decile, then divided. Every ICB, vintage,
  measure, period and edition gets all ten deciles; a decile with no LSOAs in the ICB has denominator 0, no
  value and status missing (for the population distribution it is a true 0% of residents).
-#}
{% macro imd_decile_measures_aggregated(shares, counts) %}
with

shares as (
    select * from {{ shares }}
),

counts as (
    select * from {{ counts }}
),

cells as (
    select
        shares.icb_code,
        shares.icb_vintage,
        counts.measure_id,
        counts.period,
        shares.imd_edition,
        shares.imd_decile,
        count(*) as lsoas,
        count(counts.numerator) as lsoas_with_numerator,
        sum(counts.numerator * shares.share) as numerator,
        -- a rate's denominator only counts LSOAs that have a numerator, so a gap never dilutes it
        sum(counts.denominator * shares.share) filter (where counts.numerator is not null) as denominator,
        sum(counts.denominator * shares.share) as population,
        bool_and(shares.is_whole) as all_whole
    from counts
    inner join shares
        on counts.lsoa_basis = shares.lsoa_basis
        and counts.lsoa_code = shares.lsoa_code
    group by
        shares.icb_code,
        shares.icb_vintage,
        counts.measure_id,
        counts.period,
        shares.imd_edition,
        shares.imd_decile
),

measures as (
    select distinct
        measure_id,
        period,
        source_id,
        measure_kind,
        unit
    from counts
),

series as (
    select distinct
        cells.icb_code,
        cells.icb_vintage,
        cells.measure_id,
        cells.period,
        cells.imd_edition,
        measures.source_id,
        measures.measure_kind,
        measures.unit
    from cells
    inner join measures
        on cells.measure_id = measures.measure_id
        and cells.period = measures.period
),

deciles as (
    select unnest(range(1, 11)) as imd_decile
),

grid as (
    select
        series.*,
        deciles.imd_decile
    from series
    cross join deciles
),

filled as (
    select
        grid.icb_code,
        grid.icb_vintage,
        grid.measure_id,
        grid.period,
        grid.imd_edition,
        cast(grid.imd_decile as integer) as imd_decile,
        grid.source_id,
        grid.measure_kind,
        grid.unit,
        coalesce(cells.lsoas, 0) as lsoas,
        coalesce(cells.lsoas_with_numerator, 0) as lsoas_with_numerator,
        coalesce(cells.numerator, 0) as numerator,
        coalesce(cells.denominator, 0) as denominator,
        coalesce(cells.population, 0) as population,
        coalesce(cells.all_whole, true) as all_whole
    from grid
    left join cells
        on grid.icb_code = cells.icb_code
        and grid.icb_vintage = cells.icb_vintage
        and grid.measure_id = cells.measure_id
        and grid.period = cells.period
        and grid.imd_edition = cells.imd_edition
        and grid.imd_decile = cells.imd_decile
),

with_totals as (
    select
        *,
        sum(population) over (
            partition by icb_code, icb_vintage, measure_id, period, imd_edition
        ) as icb_population
    from filled
),

computed as (
    select
        *,
        case
            when measure_kind = 'population_distribution' then population / nullif(icb_population, 0)
            when unit = 'percent' then 100 * numerator / nullif(denominator, 0)
            else numerator / nullif(denominator, 0)
        end as value
    from with_totals
),

final as (
    select
        icb_code,
        icb_vintage,
        measure_id,
        period,
        imd_edition,
        imd_decile,
        case when measure_kind = 'population_distribution' then population else numerator end as numerator,
        case when measure_kind = 'population_distribution' then icb_population else denominator end
            as denominator,
        value,
        unit,
        case
            when value is null then 'missing'
            when lsoas_with_numerator < lsoas then 'partial'
            else 'ok'
        end as value_status,
        population / nullif(icb_population, 0) as population_share,
        case when all_whole then 'lsoa_exact' else 'lsoa_apportioned' end as method,
        source_id,
        measure_kind,
        lsoas
    from computed
)

select * from final
{% endmacro %}

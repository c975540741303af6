"""A blocking check for implausible breaks in every indicator's series, declared once for all sources.

Publishers change units and relabel periods without notice: a percentage published as a proportion (100 times
smaller), a money series moved to thousands (1,000), the previous year's figures republished under the new
year's label. Each passes the range and format checks, so each would be published as a sudden collapse or a
flat year. This check reads every figure of `marts.icb_indicators` against:

- the same ICB's figure for the previous period of the series (scale breaks and repeated periods, which a
  release's own history shows even when it is the first release), and
- the same figure (ICB, vintage, indicator, period, unit) in the previous release (a whole series rescaled, which
  has no break inside itself). A unit changed on purpose in the indicator registry is not compared.

The judgement is per source, indicator and period over all ICBs of every vintage, by the median ratio and the
share of repeats, so one ICB's genuine jump never blocks a release. Thresholds are in `quality.yaml`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb

from pipelines.quality_thresholds import SeriesBreakThresholds, load_thresholds
from pipelines.release import latest_release
from pipelines.settings import WAREHOUSE_FILE_NAME, Settings

CHECK_NAME = "series_breaks"
CHECKED_ASSET = dg.AssetKey(["marts", "icb_indicators"])
# Two figures repeat when they differ by less than this, relative: re-aggregation noise, not a new figure.
REPEAT_TOLERANCE = 1e-9
# The description lists this many breaks; the metadata lists them all.
DESCRIBED_BREAKS = 12

WITHIN_SERIES_SQL = """
with figures as (
    select
        source_id,
        indicator_id,
        period,
        period_start,
        value,
        lag(period) over series as previous_period,
        lag(value) over series as previous_value
    from marts.icb_indicators
    window series as (partition by indicator_id, icb_vintage, icb_code order by period_start, period)
),

compared as (
    select
        source_id,
        indicator_id,
        period,
        min(period_start) as period_start,
        mode(previous_period) as previous_period,
        count(*) filter (where value * previous_value > 0) as ratios,
        median(value / previous_value) filter (where value * previous_value > 0) as median_ratio,
        count(*) filter (where value is not null and previous_value <> 0) as nonzero_pairs,
        count(*) filter (
            where previous_value <> 0 and abs(value - previous_value) <= ? * abs(previous_value)
        ) as repeats
    from figures
    where previous_period is not null
    group by source_id, indicator_id, period
)

select * from compared order by source_id, indicator_id, period_start, period
"""

AGAINST_RELEASE_SQL = """
select
    new.source_id,
    new.indicator_id,
    new.period,
    min(new.period_start) as period_start,
    count(*) as ratios,
    median(new.value / old.value) as median_ratio
from marts.icb_indicators as new
inner join previous.icb_indicators as old
    on new.icb_code = old.icb_code
    and new.icb_vintage = old.icb_vintage
    and new.indicator_id = old.indicator_id
    and new.period = old.period
    and new.unit = old.unit
where new.value * old.value > 0
group by new.source_id, new.indicator_id, new.period
order by new.source_id, new.indicator_id, period_start, new.period
"""


@dataclass(frozen=True)
class SeriesBreak:
    source_id: str
    indicator_id: str
    period: str
    kind: str  # scale_within_series, scale_against_release, repeated_period
    detail: str

    @property
    def message(self) -> str:
        return f"source {self.source_id}, indicator {self.indicator_id}, period {self.period}: {self.detail}"


def _times(ratio: float) -> str:
    """'about 100 times smaller' near a power of ten (the usual cause: a change of unit), else the factor."""
    factor = ratio if ratio >= 1 else 1 / ratio
    power = 10 ** round(math.log10(factor))
    if power >= 10 and abs(factor / power - 1) <= 0.15:
        shown = f"about {power:,}"
    else:
        shown = f"{float(f'{factor:.2g}'):,.0f}" if factor >= 10 else f"{factor:.2g}"
    return f"{shown} times {'larger' if ratio >= 1 else 'smaller'}"


def _is_scale_break(ratio: float | None, figures: int, limits: SeriesBreakThresholds) -> bool:
    return (
        ratio is not None
        and figures >= limits.min_figures
        and (ratio >= limits.scale_factor or ratio <= 1 / limits.scale_factor)
    )


def find_series_breaks(
    con: duckdb.DuckDBPyConnection,
    limits: SeriesBreakThresholds,
    previous_database: Path | None = None,
    previous_release_id: str | None = None,
) -> list[SeriesBreak]:
    """Every break in `marts.icb_indicators` of the database `con` is connected to (read-only is enough)."""
    breaks: list[SeriesBreak] = []
    rows = con.execute(WITHIN_SERIES_SQL, [REPEAT_TOLERANCE]).fetchall()
    for source_id, indicator_id, period, _, previous_period, ratios, ratio, nonzero, repeats in rows:
        if _is_scale_break(ratio, ratios, limits):
            detail = (
                f"figures {_times(ratio)} than period {previous_period}'s"
                f" (median ratio {ratio:.4g} over {ratios} ICB figures): a change of unit or scale?"
            )
            breaks.append(SeriesBreak(source_id, indicator_id, period, "scale_within_series", detail))
        if nonzero >= limits.min_figures and repeats / nonzero >= limits.repeated_share:
            detail = (
                f"{repeats} of {nonzero} ICB figures repeat period {previous_period}'s exactly:"
                " the previous period republished under a new label?"
            )
            breaks.append(SeriesBreak(source_id, indicator_id, period, "repeated_period", detail))
    if previous_database is not None:
        con.execute(f"attach '{previous_database}' as previous (read_only)")
        try:
            rows = con.execute(AGAINST_RELEASE_SQL).fetchall()
        finally:
            con.execute("detach previous")
        for source_id, indicator_id, period, _, ratios, ratio in rows:
            if _is_scale_break(ratio, ratios, limits):
                detail = (
                    f"figures {_times(ratio)} than in release {previous_release_id}"
                    f" (median ratio {ratio:.4g} over {ratios} ICB figures): a change of unit or scale?"
                )
                breaks.append(SeriesBreak(source_id, indicator_id, period, "scale_against_release", detail))
    return breaks


def describe_breaks(breaks: list[SeriesBreak]) -> str:
    """One clause per series and kind of break: the first period in full, then the other periods it affects."""
    if not breaks:
        return "no implausible break in any series"
    series: dict[tuple[str, str, str], list[SeriesBreak]] = {}
    for b in breaks:
        series.setdefault((b.source_id, b.indicator_id, b.kind), []).append(b)
    clauses = []
    for first, *rest in list(series.values())[:DESCRIBED_BREAKS]:
        more = f" (the same in periods {', '.join(b.period for b in rest)})" if rest else ""
        clauses.append(first.message + more)
    if len(series) > DESCRIBED_BREAKS:
        clauses.append(f"and {len(series) - DESCRIBED_BREAKS} more series (see the check's metadata)")
    return "; ".join(clauses)


def build_series_break_check(settings: Settings) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=CHECKED_ASSET,
        name=CHECK_NAME,
        blocking=True,
        description=(
            "Implausible breaks in any indicator's series: a period many times larger or smaller than the previous"
            " period or than the previous release (a percentage published as a proportion, a change of unit), or"
            " a period repeating the previous one's figures. Thresholds in quality.yaml."
        ),
    )
    def _series_breaks() -> dg.AssetCheckResult:
        limits = load_thresholds().series_breaks
        previous = latest_release(settings.releases_dir)
        previous_database = previous / WAREHOUSE_FILE_NAME if previous else None
        with duckdb.connect(str(settings.build_database), read_only=True) as con:
            breaks = find_series_breaks(
                con,
                limits,
                previous_database if previous_database and previous_database.is_file() else None,
                previous.name if previous else None,
            )
        return dg.AssetCheckResult(
            passed=not breaks,
            severity=dg.AssetCheckSeverity.ERROR,
            description=describe_breaks(breaks),
            metadata={
                "thresholds": dg.MetadataValue.json(limits.model_dump()),
                "previous_release": previous.name if previous else "",
                "breaks": dg.MetadataValue.json([{**b.__dict__, "message": b.message} for b in breaks]),
            },
        )

    return _series_breaks

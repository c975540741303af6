"""Freshness as users mean it: is a source's data current, not was its file fetched recently.

The latest period each source's data covers is read from its figures by dbt (`marts.source_data_periods`). Here it
is set against the source's declared publication cadence and lag (`sources.yaml`) on a given day (the injectable
clock `Settings.today`, ICS_BASELINE_TODAY):

- the period after the latest one ends one cadence interval later and is due `publication_lag_months` after that;
- `current`: no newer period is due yet (with a month's grace for publishers);
- `overdue`: one newer period is due and not in the data (the publisher is late, or the baseline has not landed it);
- `stale`: two or more newer periods are due: the data is more than one release behind;
- `unknown`: no data period (lookups, boundaries, registers) or no declared lag or interval, with the reason.

A source published once (a census, a single edition) is current: the publisher issues no newer one. A file fetched
today whose newest figures are for 2019 is judged on 2019, so it is stale however recent the fetch.
"""

from __future__ import annotations

import calendar
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any

from pipelines.registry import Cadence, Registry, Source

FRESHNESS_STATES = ("current", "overdue", "stale", "unknown")
# Publishers slip by days or weeks; a release is counted as missed only a month after it was due.
GRACE = timedelta(days=31)
CADENCE_MONTHS = {Cadence.monthly: 1, Cadence.quarterly: 3, Cadence.annual: 12}
RELEASE_DATE_UNKNOWN = "not known: sources.yaml gives no release date and the landed file carries none"


@dataclass(frozen=True)
class Assessment:
    data_freshness: str
    periods_behind: int | None
    next_period_due: date | None
    data_freshness_reason: str


def add_months(day: date, months: int) -> date:
    """`day` moved by whole months; a month's last day stays the last day (31 March + 6 months = 30 September)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    at_month_end = day.day == calendar.monthrange(day.year, day.month)[1]
    return date(year, month + 1, last if at_month_end else min(day.day, last))


def interval_months(source: Source) -> int | None:
    return CADENCE_MONTHS.get(source.cadence) or source.release_interval_months


def assess(
    source: Source,
    latest_period: str | None,
    latest_period_end: date | None,
    today: date,
    no_period_reason: str | None = None,
) -> Assessment:
    """Classify one source's data period against its cadence and publication lag on `today`."""
    if latest_period_end is None:
        return Assessment("unknown", None, None, no_period_reason or "no figure of this source carries a period")
    if source.cadence == Cadence.once:
        return Assessment(
            "current", 0, None, f"published once: {latest_period} is its only edition, and no newer one is issued"
        )
    interval = interval_months(source)
    if interval is None:
        return Assessment("unknown", None, None, "irregular releases and no release_interval_months in sources.yaml")
    if source.publication_lag_months is None:
        return Assessment("unknown", None, None, "no publication_lag_months in sources.yaml")
    lag = source.publication_lag_months

    def due(k: int) -> date:
        # The k-th period after the latest one ends k intervals later and is published `lag` months after that.
        return add_months(latest_period_end, k * interval + lag)

    behind = 0
    while due(behind + 1) + GRACE < today:
        behind += 1
    state = "current" if behind == 0 else "overdue" if behind == 1 else "stale"
    every = {1: "monthly", 3: "quarterly", 12: "annual"}.get(interval, f"every {interval} months")
    months = f"{lag} month{'' if lag == 1 else 's'}"
    basis = f"{every} data released about {months} after the period ends; latest period {latest_period}"
    if behind == 0:
        reason = f"{basis}; the next is due by {due(1).isoformat()}"
    else:
        reason = (
            f"{basis}; {behind} newer period{'s' if behind > 1 else ''} due since {due(1).isoformat()} "
            "and not in the data"
        )
    return Assessment(state, behind, due(behind + 1), reason)


def freshness_rows(
    registry: Registry,
    periods: dict[str, dict[str, Any]],
    artefacts: dict[str, dict[str, Any]],
    today: date,
) -> list[dict[str, Any]]:
    """One row per registered source: its data period, release date and retrieval time, and their freshness.

    `periods` are rows of `marts.source_data_periods` by source id; `artefacts` the release's source entries
    (retrieval time, and whether the fetch fell back to a last good artefact).
    """
    rows = []
    for source in registry.sources:
        period = periods.get(source.id, {})
        landed = artefacts.get(source.id, {})
        end = period.get("latest_period_end")
        if end is not None and not isinstance(end, date):
            end = date.fromisoformat(str(end)[:10])
        assessment = assess(source, period.get("latest_period"), end, today, period.get("no_period_reason"))
        rows.append(
            {
                "source_id": source.id,
                "publisher": source.publisher,
                "cadence": source.cadence.value,
                "publication_lag_months": source.publication_lag_months,
                "latest_period": period.get("latest_period"),
                "latest_period_end": end,
                "period_read_from": period.get("period_read_from"),
                "released_on": source.released,
                "released_on_note": "sources.yaml (released)" if source.released else RELEASE_DATE_UNKNOWN,
                "retrieved_at": landed.get("retrieved_at"),
                "fetch_fell_back_to_last_good": bool(landed.get("stale")),
                "assessed_on": today,
                **asdict(assessment),
            }
        )
    return rows

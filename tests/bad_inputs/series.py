"""Snapshot mirrors in which a publisher changed a series' scale, relabelled a period, or revised a whole source.

Each mirror links every file of the real snapshot and replaces the few files named, rewritten from the real ones
(Explore Local Statistics tidy CSVs: areacd, areanm, geography, indicator, period, observation, ..., lci_95,
uci_95), so everything else in the build is the real data.
"""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Callable
from pathlib import Path

ELS = "ons_explore_local_statistics"
EMPLOYMENT_FILE = f"{ELS}/employment-rate.csv"
KS2_FILE = f"{ELS}/pupils-at-expected-standards-by-end-of-primary-school.csv"
GDHI_FILE = f"{ELS}/gross-disposable-household-income-per-head.csv"
CLAIMANT_FILE = f"{ELS}/claimant-count.csv"

# A row's numeric fields: the observation and its 95% interval, scaled together as a publisher would.
NUMERIC = ("observation", "lci_95", "uci_95")

RowEdit = Callable[[dict[str, str]], None]


def link_mirror(snapshot_dir: Path, target: Path) -> Path:
    shutil.copytree(snapshot_dir, target, copy_function=lambda src, dst: Path(dst).symlink_to(src))
    return target


def rewrite_els(snapshot_dir: Path, mirror: Path, relative: str, edit: Callable[[list[dict[str, str]]], int]) -> int:
    """Replace `relative` in the mirror by the snapshot file with `edit` applied to its rows; returns the rows
    `edit` says it changed (it must change some)."""
    text = (snapshot_dir / relative).read_text(encoding="utf-8-sig")
    reader = csv.DictReader(io.StringIO(text))
    rows = list(reader)
    changed = edit(rows)
    assert changed > 0, f"the edit changed nothing in {relative}"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=reader.fieldnames, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    target = mirror / relative
    target.unlink()
    target.write_text(out.getvalue(), encoding="utf-8")
    return changed


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def scale(factor: float, period: str | None = None, indicator: str | None = None):
    """Multiply every published number (of one period and one indicator, if given) by `factor`."""

    def edit(rows: list[dict[str, str]]) -> int:
        changed = 0
        for row in rows:
            if (period and row["period"] != period) or (indicator and row["indicator"] != indicator):
                continue
            for column in NUMERIC:
                value = _number(row.get(column) or "")
                if value is not None:
                    row[column] = f"{value * factor:.10g}"
                    changed += column == "observation"
        return changed

    return edit


def repeat_previous_period(period: str, previous: str):
    """The publisher's `period` rows carry `previous`'s figures: last year's data under this year's label."""

    def edit(rows: list[dict[str, str]]) -> int:
        earlier = {(r["areacd"], r["indicator"]): r for r in rows if r["period"] == previous}
        changed = 0
        for row in rows:
            source = earlier.get((row["areacd"], row["indicator"]))
            if row["period"] == period and source is not None:
                for column in NUMERIC:
                    row[column] = source[column]
                changed += 1
        return changed

    return edit

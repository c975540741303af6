"""What changed between two releases: indicators added or dropped, figures added, dropped and revised.

Both releases are read-only DuckDB files; the comparison runs in DuckDB on the published grain
(icb_code, icb_vintage, indicator_id, period), so it costs well under a second for the whole warehouse.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from pipelines.settings import WAREHOUSE_FILE_NAME

# A revision smaller than this (relative) is floating-point noise from re-aggregation, not a change of figure.
REVISION_TOLERANCE = 1e-9


def compare_releases(new_release: Path, old_release: Path | None, new_release_id: str | None = None) -> dict[str, Any]:
    """Summarise the changes from `old_release` to `new_release` (directories holding ics_baseline.duckdb)."""
    new_release_id = new_release_id or Path(new_release).resolve().name
    new_db = Path(new_release) / WAREHOUSE_FILE_NAME
    if old_release is None:
        return {"release": new_release_id, "previous_release": None, "note": "first release: nothing to compare with"}
    old_db = Path(old_release) / WAREHOUSE_FILE_NAME
    with duckdb.connect(":memory:") as con:
        con.execute(f"attach '{new_db}' as new (read_only)")
        con.execute(f"attach '{old_db}' as old (read_only)")
        indicators_added = [
            r[0]
            for r in con.execute(
                "select id from new.indicators except select id from old.indicators order by 1"
            ).fetchall()
        ]
        indicators_dropped = [
            r[0]
            for r in con.execute(
                "select id from old.indicators except select id from new.indicators order by 1"
            ).fetchall()
        ]
        per_indicator = con.sql(
            f"""
            with joined as (
                select
                    coalesce(n.indicator_id, o.indicator_id) as indicator_id,
                    n.value as new_value,
                    o.value as old_value,
                    n.icb_code is null as dropped,
                    o.icb_code is null as added
                from new.icb_indicators as n
                full outer join old.icb_indicators as o
                    on n.icb_code = o.icb_code
                    and n.icb_vintage = o.icb_vintage
                    and n.indicator_id = o.indicator_id
                    and n.period = o.period
            ),
            classified as (
                select
                    *,
                    not added and not dropped and (
                        (new_value is null) != (old_value is null)
                        or abs(new_value - old_value) > {REVISION_TOLERANCE} * greatest(abs(old_value), 1e-12)
                    ) as revised,
                    abs(new_value - old_value) as absolute_revision,
                    abs(new_value - old_value) / nullif(abs(old_value), 0) as relative_revision
                from joined
            )
            select
                indicator_id,
                count(*) filter (where added) as figures_added,
                count(*) filter (where dropped) as figures_dropped,
                count(*) filter (where revised) as figures_revised,
                max(absolute_revision) filter (where revised) as max_absolute_revision,
                median(relative_revision) filter (where revised) as median_relative_revision,
                max(relative_revision) filter (where revised) as max_relative_revision
            from classified
            group by indicator_id
            having figures_added + figures_dropped + figures_revised > 0
            order by indicator_id
            """
        ).df()
    records = per_indicator.astype(object).where(per_indicator.notna(), None).to_dict(orient="records")
    for record in records:
        for key in ("figures_added", "figures_dropped", "figures_revised"):
            record[key] = int(record[key])
    return {
        "release": new_release_id,
        "previous_release": Path(old_release).resolve().name,
        "indicators_added": indicators_added,
        "indicators_dropped": indicators_dropped,
        "figures_added": sum(r["figures_added"] for r in records),
        "figures_dropped": sum(r["figures_dropped"] for r in records),
        "figures_revised": sum(r["figures_revised"] for r in records),
        "by_indicator": records,
    }

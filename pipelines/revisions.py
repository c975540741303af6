"""Revisions against the previous release: how many of each source's figures moved, by how much, and whether
publication waits for someone to accept them.

Publishers revise their back series, and a rebuild with changed code moves figures too; both are reported per
source in manifest.json and `ics-baseline status`. When more than a declared share of a source's figures move
beyond a declared tolerance (quality.yaml), that is a new series rather than a revision, and publication is held
until it is accepted for that source (`ics-baseline build --accept-revisions SOURCE_ID`, repeatable or `all`;
ICS_BASELINE_ACCEPT_REVISIONS; or the publish step's run config), which the manifest records.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import duckdb

from pipelines.quality_thresholds import RevisionThresholds
from pipelines.settings import WAREHOUSE_FILE_NAME

ACCEPT_ALL = "all"

# Figures of the build matched to the previous release's on the published grain; counted per source of the build.
REVISIONS_SQL = """
with joined as (
    select
        coalesce(new.source_id, old.source_id) as source_id,
        new.value as new_value,
        old.value as old_value,
        old.icb_code is null as added,
        new.icb_code is null as dropped
    from build.marts.icb_indicators as new
    full outer join previous.icb_indicators as old
        on new.icb_code = old.icb_code
        and new.icb_vintage = old.icb_vintage
        and new.indicator_id = old.indicator_id
        and new.period = old.period
),

measured as (
    select
        *,
        abs(new_value - old_value) / nullif(abs(old_value), 0) as relative_revision,
        new_value is not null and old_value is not null as compared
    from joined
),

classified as (
    select
        *,
        compared and (
            abs(new_value - old_value) > ? * abs(old_value) or (old_value = 0 and new_value <> 0)
        ) as moved
    from measured
)

select
    source_id,
    count(*) filter (where compared) as figures_compared,
    count(*) filter (where moved) as figures_revised,
    count(*) filter (where added) as figures_added,
    count(*) filter (where dropped) as figures_dropped,
    median(relative_revision) filter (where moved) as median_relative_revision,
    max(relative_revision) filter (where moved) as max_relative_revision
from classified
group by source_id
order by source_id
"""


def measure_revisions(
    build_database: Path,
    previous_release: Path | None,
    limits: RevisionThresholds,
    accepted: Iterable[str] = (),
) -> dict[str, Any]:
    """Per source: figures compared with the previous release, revised beyond the tolerance, and by how much;
    which sources are held (more than `hold_share` revised) and which of those were accepted."""
    accepted = sorted(set(accepted))
    summary: dict[str, Any] = {
        "previous_release": previous_release.name if previous_release else None,
        "tolerance": limits.tolerance,
        "hold_share": limits.hold_share,
        "accepted": accepted,
        "held": [],
        "sources": [],
    }
    if previous_release is None or not (previous_release / WAREHOUSE_FILE_NAME).is_file():
        return summary
    with duckdb.connect(":memory:") as con:
        con.execute(f"attach '{build_database}' as build (read_only)")
        con.execute(f"attach '{previous_release / WAREHOUSE_FILE_NAME}' as previous (read_only)")
        rows = con.execute(REVISIONS_SQL, [limits.tolerance]).fetchall()
        columns = [d[0] for d in con.description]
    for row in rows:
        entry = dict(zip(columns, row, strict=True))
        compared, revised = int(entry["figures_compared"]), int(entry["figures_revised"])
        share = revised / compared if compared else 0.0
        over = compared > 0 and share > limits.hold_share
        is_accepted = over and (ACCEPT_ALL in accepted or entry["source_id"] in accepted)
        entry.update(
            figures_compared=compared,
            figures_revised=revised,
            figures_added=int(entry["figures_added"]),
            figures_dropped=int(entry["figures_dropped"]),
            share_revised=round(share, 6),
            over_hold_share=over,
            accepted=is_accepted,
        )
        summary["sources"].append(entry)
        if over and not is_accepted:
            summary["held"].append(entry["source_id"])
    return summary


def describe_hold(summary: dict[str, Any]) -> str:
    """Why publication is held, one line per held source, and how to accept."""
    by_id = {s["source_id"]: s for s in summary["sources"]}
    lines = [
        f"publication held: revisions against release {summary['previous_release']} move more than"
        f" {summary['hold_share']:.0%} of a source's figures beyond {summary['tolerance']:.2%}:"
    ]
    for source_id in summary["held"]:
        s = by_id[source_id]
        lines.append(
            f"  source {source_id}: {s['figures_revised']} of {s['figures_compared']} figures revised"
            f" ({s['share_revised']:.0%}; median {_percent(s['median_relative_revision'])},"
            f" largest {_percent(s['max_relative_revision'])})"
        )
    ids = " ".join(f"--accept-revisions {source_id}" for source_id in summary["held"])
    lines.append(f"if these revisions are the publisher's, accept them: ics-baseline build {ids}")
    return "\n".join(lines)


def _percent(value: float | None) -> str:
    return "n/a (from zero)" if value is None else f"{value:.2%}"

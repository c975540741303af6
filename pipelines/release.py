"""Write-audit-publish: copy checked marts into an immutable release directory and move `latest` to it.

A release is assembled in a hidden staging directory beside the others and becomes visible only by one rename,
so readers never see half a release; `latest` is a symlink replaced atomically. Nothing here ever writes into an
existing release, so a failed or interrupted publication leaves every earlier release byte-identical.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import duckdb

from pipelines.freshness import freshness_rows
from pipelines.registry import Registry
from pipelines.settings import PROJECT_ROOT, WAREHOUSE_FILE_NAME

LATEST = "latest"
STAGING_PREFIX = ".staging-"
PRUNING_PREFIX = ".pruning-"
# What _new_release_id makes: only directories named like this are ever pruned, so nothing else kept beside the
# releases (notes, a hand-made copy) can be deleted by `releases prune`.
RELEASE_ID = re.compile(r"\d{8}T\d{6}Z(-\d+)?")

# Published table -> (build table, ordering that makes the files deterministic)
PUBLISHED_TABLES: dict[str, tuple[str, str]] = {
    "icb_indicators": ("marts.icb_indicators", "icb_vintage, icb_code, indicator_id, period"),
    "indicators": ("marts.indicators", "id"),
    "icbs": ("marts.icbs", "icb_vintage, icb_code"),
    "icb_indicator_breakdowns": (
        "marts.icb_indicator_breakdowns",
        "icb_vintage, icb_code, indicator_id, period, breakdown, breakdown_value",
    ),
    "icb_deprivation_decile_breakdowns": (
        "marts.icb_deprivation_decile_breakdowns",
        "icb_vintage, icb_code, measure_id, period, imd_edition, imd_decile",
    ),
    "icb_inequality_gaps": (
        "marts.icb_inequality_gaps",
        "icb_vintage, icb_code, measure_id, period, imd_edition",
    ),
    "icb_local_deprivation_decile_breakdowns": (
        "marts.icb_local_deprivation_decile_breakdowns",
        "icb_vintage, icb_code, measure_id, period, imd_edition, imd_decile",
    ),
    "icb_reconciliations": (
        "marts.icb_reconciliations",
        "source_id, indicator_id, icb_vintage, icb_code, period",
    ),
    "icb_indicator_comparisons": (
        "marts.icb_indicator_comparisons",
        "icb_vintage, icb_code, indicator_id, period",
    ),
    "comparator_values": (
        "marts.comparator_values",
        "icb_vintage, group_type, group_code, indicator_id, period",
    ),
    "comparator_reconciliations": (
        "marts.comparator_reconciliations",
        "icb_vintage, group_type, group_code, indicator_id, period",
    ),
    "icb_domain_summaries": ("marts.icb_domain_summaries", "icb_vintage, icb_code, domain"),
    "icb_peers": ("marts.icb_peers", "icb_vintage, icb_code, peer_rank"),
    "icb_peer_context": ("marts.icb_peer_context", "icb_vintage, icb_code, variable"),
    "lsoa21_icb_memberships": (
        "intermediate.int_lsoa21_icb_memberships_unioned",
        "icb_vintage, icb_code, lsoa21_code",
    ),
    "boundaries": ("marts.boundaries", "icb_vintage, area_type, area_code, boundary_vintage"),
    "areas": ("marts.areas", "area_type, area_vintage, area_code, icb_vintage, icb_code"),
    "icb_partners": ("marts.icb_partners", "icb_vintage, icb_code, partner_type, partner_code"),
    # indicator first: a column's neighbouring rows then share indicator, period, unit and scale, so its 340,000
    # rows compress smaller than in area order (7.8 against 9.7 MB as a table on its own)
    "area_indicators": ("marts.area_indicators", "indicator_id, period, area_type, area_vintage, area_code"),
    "area_indicator_comparisons": (
        "marts.area_indicator_comparisons",
        "indicator_id, period, area_type, area_vintage, area_code",
    ),
    "source_artefacts": ("meta.raw_artefacts", "source_id"),
}


# The published DuckDB file is written compactly (bench/bench_release_size.py measures it): 16 KiB blocks instead
# of the default 256 KiB, so a small table or a column's last segment does not hold a mostly empty 256 KiB block;
# and long text (a VARCHAR column averaging over LONG_TEXT_CHARS characters, i.e. the boundaries' GeoJSON)
# ZSTD-compressed, which DuckDB's default dictionary/FSST compression leaves uncompressed at that length. Both
# are ordinary storage options that every DuckDB 2.x client reads; the tables, their columns, types and row
# order are unchanged.
RELEASE_BLOCK_SIZE = 16384
LONG_TEXT_CHARS = 200


# (staging directory, release id, manifest so far, previous release or None) -> summary for the manifest
ReleaseOutputs = Callable[[Path, str, dict[str, Any], Path | None], dict[str, Any]]


class PublicationError(RuntimeError):
    pass


@dataclass(frozen=True)
class Release:
    release_id: str
    path: Path
    manifest: dict[str, Any]


def code_version() -> dict[str, Any]:
    info: dict[str, Any] = {}
    try:
        info["package_version"] = version("ics-baseline")
    except PackageNotFoundError:
        info["package_version"] = None
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain"], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=10
        ).stdout.strip()
        info["git_commit"] = commit
        info["git_dirty"] = bool(dirty)
    except (OSError, subprocess.SubprocessError):
        info["git_commit"] = None
    return info


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _new_release_id(releases_dir: Path, now: datetime) -> str:
    base = now.strftime("%Y%m%dT%H%M%SZ")
    candidate, n = base, 1
    while (releases_dir / candidate).exists():
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def _fsync_tree(root: Path) -> None:
    for path in root.rglob("*"):
        if path.is_file():
            with path.open("rb") as handle:
                os.fsync(handle.fileno())


def remove_abandoned_staging(releases_dir: Path) -> list[str]:
    """Staging directories (and `latest` links never swapped in) left by an interrupted publication are never
    releases; clear them away."""
    removed = []
    if releases_dir.exists():
        for path in releases_dir.glob(f"{STAGING_PREFIX}*"):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path.name)
        for path in releases_dir.glob(f".{LATEST}.*"):
            path.unlink(missing_ok=True)
            removed.append(path.name)
    return removed


def point_latest_at(releases_dir: Path, release_id: str) -> None:
    tmp = releases_dir / f".{LATEST}.{os.getpid()}"
    tmp.unlink(missing_ok=True)
    tmp.symlink_to(release_id, target_is_directory=True)
    tmp.replace(releases_dir / LATEST)


def latest_release(releases_dir: Path) -> Path | None:
    link = releases_dir / LATEST
    return link.resolve() if link.exists() else None


def _release_order(release_id: str) -> tuple[str, int]:
    # "20261124T103732Z-10" is newer than "...Z-9": compare the suffix as a number, not as text.
    base, _, n = release_id.partition("-")
    return base, int(n or 1)


@dataclass(frozen=True)
class PruneResult:
    kept: list[str]
    removed: list[str]
    latest: str | None


def prune_releases(releases_dir: Path, keep: int, dry_run: bool = False) -> PruneResult:
    """Delete the oldest releases beyond the newest `keep`, never the one `latest` points to.

    Staging directories (a release being written) are hidden and never releases, so they are not touched; nor is
    anything whose name is not a release id. Each release is first renamed to a hidden directory and then deleted,
    so an interrupted prune never leaves a half-deleted release that looks like a release. A reader that has
    already opened a pruned release's files keeps them until it closes them (POSIX unlink), but cannot open more.
    """
    if keep < 1:
        raise ValueError(f"--keep must be at least 1 (got {keep}): `latest` is always kept")
    if not releases_dir.is_dir():
        return PruneResult(kept=[], removed=[], latest=None)
    # leftovers of a prune that was interrupted between the rename and the delete
    if not dry_run:
        for path in releases_dir.glob(f"{PRUNING_PREFIX}*"):
            shutil.rmtree(path, ignore_errors=True)
    latest = latest_release(releases_dir)
    latest_id = latest.name if latest is not None and latest.parent == releases_dir.resolve() else None
    releases = sorted(
        (p.name for p in releases_dir.iterdir() if p.is_dir() and not p.is_symlink() and RELEASE_ID.fullmatch(p.name)),
        key=_release_order,
    )
    kept = set(releases[-keep:]) | ({latest_id} if latest_id else set())
    removed = [name for name in releases if name not in kept]
    if not dry_run:
        for name in removed:
            doomed = releases_dir / f"{PRUNING_PREFIX}{name}"
            (releases_dir / name).rename(doomed)
            shutil.rmtree(doomed)
    return PruneResult(kept=[name for name in releases if name in kept], removed=removed, latest=latest_id)


def publish_release(
    build_database: Path,
    releases_dir: Path,
    checks: list[dict[str, Any]],
    fetch_mode: str,
    now: datetime | None = None,
    outputs: ReleaseOutputs | str | None = "packs",
    revisions: dict[str, Any] | None = None,
    registry: Registry | None = None,
    today: date | None = None,
) -> Release:
    """Assemble a release in staging, then make it visible with one rename.

    `outputs` writes the packs, bulk downloads and index into the staging directory ("packs", the default: the
    real ones; None: tables only, for tests of the publication mechanics on a minimal database). With `registry`,
    the release also says how current each source's data is on `today` (table `source_freshness`, and each
    source's entry in the manifest).
    """
    if outputs == "packs":
        # imported here: pandas and the pack writers cost two seconds, which read-only commands never need
        from pipelines.packs.build import build_release_outputs

        outputs = build_release_outputs
    now = now or datetime.now(UTC)
    releases_dir.mkdir(parents=True, exist_ok=True)
    remove_abandoned_staging(releases_dir)
    release_id = _new_release_id(releases_dir, now)
    previous = latest_release(releases_dir)
    staging = releases_dir / f"{STAGING_PREFIX}{release_id}"
    staging.mkdir()
    try:
        manifest = _assemble(
            build_database, staging, release_id, checks, fetch_mode, now, previous, outputs, revisions, registry, today
        )
        _fsync_tree(staging)
        final = releases_dir / release_id
        staging.rename(final)
        point_latest_at(releases_dir, release_id)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return Release(release_id=release_id, path=final, manifest=manifest)


def _source_entry(row: dict[str, Any]) -> dict[str, Any]:
    entry = {
        **row,
        "retrieved_at": row["retrieved_at"].isoformat(),
        "bytes": int(row["bytes"]),
        "row_count": int(row["row_count"]),
        "stale": bool(row["stale"]),
    }
    if entry["stale"]:
        entry["last_good_retrieved_at"] = row["last_good_retrieved_at"].isoformat()
    else:
        del entry["stale_reason"], entry["last_good_retrieved_at"]
    return entry


# The published source_freshness table: column -> type (dates stay dates for analysts' queries).
SOURCE_FRESHNESS_COLUMNS = {
    "source_id": "varchar",
    "publisher": "varchar",
    "cadence": "varchar",
    "publication_lag_months": "integer",
    "latest_period": "varchar",
    "latest_period_end": "date",
    "period_read_from": "varchar",
    "released_on": "date",
    "released_on_note": "varchar",
    "retrieved_at": "timestamptz",
    "fetch_fell_back_to_last_good": "boolean",
    "assessed_on": "date",
    "data_freshness": "varchar",
    "periods_behind": "integer",
    "next_period_due": "date",
    "data_freshness_reason": "varchar",
}


def _publish_source_freshness(
    con: duckdb.DuckDBPyConnection, registry: Registry, sources: Any, today: date
) -> dict[str, dict[str, Any]]:
    """Write `source_freshness` into the release database; return its rows by source id, JSON-ready."""
    found = con.execute(
        "select count(*) from duckdb_tables()"
        " where database_name = 'build' and schema_name = 'marts' and table_name = 'source_data_periods'"
    ).fetchone()[0]
    # A build database from before data periods were read has none: every source is then "unknown", with a reason.
    periods: dict[str, dict[str, Any]] = {}
    if found:
        cursor = con.execute("select * from build.marts.source_data_periods")
        names = [d[0] for d in cursor.description]
        periods = {row[0]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}
    artefacts = {row["source_id"]: row for row in sources.to_dict(orient="records")}
    rows = freshness_rows(registry, periods, artefacts, today)
    import pandas as pd

    frame = pd.DataFrame(rows, columns=list(SOURCE_FRESHNESS_COLUMNS)).astype(object)
    frame = frame.where(frame.notna(), None)
    con.register("source_freshness_rows", frame)
    try:
        casts = ", ".join(f"cast({name} as {kind}) as {name}" for name, kind in SOURCE_FRESHNESS_COLUMNS.items())
        con.execute(f"create table source_freshness as select {casts} from source_freshness_rows order by source_id")
    finally:
        con.unregister("source_freshness_rows")
    keep = ("latest_period", "latest_period_end", "period_read_from", "released_on", "released_on_note")
    keep += ("assessed_on", "data_freshness", "periods_behind", "next_period_due", "data_freshness_reason")
    return {
        row["source_id"]: {k: row[k].isoformat() if isinstance(row[k], date) else row[k] for k in keep} for row in rows
    }


def _column_definitions(con: duckdb.DuckDBPyConnection, relation: str) -> str:
    """`name type[ using compression zstd], ...` of a relation: its own column names and types, long text ZSTD."""
    columns = con.execute(f"select column_name, column_type from (describe {relation})").fetchall()
    texts = [name for name, kind in columns if kind == "VARCHAR"]
    lengths = {}
    if texts:
        averages = ", ".join(f'coalesce(avg(strlen("{name}")), 0)' for name in texts)
        lengths = dict(zip(texts, con.execute(f"select {averages} from {relation}").fetchall()[0], strict=True))
    return ", ".join(
        f'"{name}" {kind}' + (" using compression zstd" if lengths.get(name, 0) > LONG_TEXT_CHARS else "")
        for name, kind in columns
    )


def _assemble(
    build_database: Path,
    staging: Path,
    release_id: str,
    checks: list[dict[str, Any]],
    fetch_mode: str,
    now: datetime,
    previous: Path | None = None,
    outputs: ReleaseOutputs | None = None,
    revisions: dict[str, Any] | None = None,
    registry: Registry | None = None,
    today: date | None = None,
) -> dict[str, Any]:
    database = staging / WAREHOUSE_FILE_NAME
    freshness: dict[str, dict[str, Any]] = {}
    row_counts: dict[str, int] = {}
    con = duckdb.connect()
    try:
        con.execute(f"attach '{database}' as release (block_size {RELEASE_BLOCK_SIZE})")
        con.execute("use release")
        con.execute(f"attach '{build_database}' as build (read_only)")
        for table, (source, order_by) in PUBLISHED_TABLES.items():
            con.execute(f"create table {table} ({_column_definitions(con, f'build.{source}')})")
            con.execute(f"insert into {table} select * from build.{source} order by {order_by}")
            row_counts[table] = con.execute(f"select count(*) from {table}").fetchall()[0][0]
        # Build databases from before stale-source fallback have no staleness columns: every source was fresh.
        con.execute(
            "alter table source_artefacts add column if not exists stale boolean default false;"
            " alter table source_artefacts add column if not exists stale_reason varchar;"
            " alter table source_artefacts add column if not exists last_good_retrieved_at timestamptz;"
        )
        sources = con.sql(
            "select source_id, file_name, source_url, fetched_from, fetch_mode, retrieved_at, sha256, bytes,"
            " row_count, coalesce(stale, false) as stale, stale_reason, last_good_retrieved_at"
            " from source_artefacts order by source_id"
        ).df()
        reconciliation = con.sql(
            """
            select source_id, indicator_id, icb_vintage, derived_method, count(*) as comparisons,
                   median(relative_difference) as median_relative_difference,
                   max(relative_difference) as max_relative_difference
            from icb_reconciliations group by all order by all
            """
        ).df()
        # the rebuilt England and region aggregates against the publisher's own figures, per indicator
        # fetched as Python values: NULL stays None, counts stay int, ready for JSON
        reconciled = con.execute(
            """
            select indicator_id, group_type, reconciliation_status, count(*) as comparisons,
                   max(abs(relative_difference)) as max_abs_relative_difference
            from comparator_reconciliations group by all order by all
            """
        )
        columns = [column[0] for column in reconciled.description]
        comparator_reconciliation = [dict(zip(columns, row, strict=True)) for row in reconciled.fetchall()]
        if registry is not None:
            freshness = _publish_source_freshness(con, registry, sources, today or now.date())
            row_counts["source_freshness"] = len(freshness)
        con.execute("detach build")
        # every ICB figure as one CSV, zipped (Parquet of every table is written with the bulk downloads)
        con.execute(f"copy icb_indicators to '{staging / 'icb_indicators.csv'}' (header, delimiter ',')")
        con.execute("checkpoint release")
    finally:
        con.close()
    from pipelines.packs.bulk import zip_file

    zip_file(staging / "icb_indicators.csv", staging / "icb_indicators.csv.zip", release_id)

    if row_counts["icb_indicators"] == 0:
        raise PublicationError("icb_indicators is empty; refusing to publish an empty release")

    manifest = {
        "release_id": release_id,
        "created_at": now.isoformat(),
        "code_version": code_version(),
        "fetch_mode": fetch_mode,
        # A stale source is one whose publisher was unavailable: the release carries its last good artefact.
        # Each source's data period, release date and freshness sit beside its retrieval time: a recent fetch
        # of old data is not fresh data.
        "sources": [
            {**_source_entry(row), **freshness.get(row["source_id"], {})} for row in sources.to_dict(orient="records")
        ],
        "tables": row_counts,
        # published ICB values against the baseline's own rebuild of the same figure (table icb_reconciliations)
        "reconciliation": [
            {**row, "comparisons": int(row["comparisons"])} for row in reconciliation.to_dict(orient="records")
        ],
        # the publisher's England and region figures are the comparators; the rebuilt aggregates reconcile to
        # them (table comparator_reconciliations; outside_tolerance blocks publication)
        "comparator_reconciliation": comparator_reconciliation,
        "checks": checks,
    }
    # figures moved since the previous release, per source, and any mass revision accepted (pipelines/revisions.py)
    if revisions is not None:
        manifest["revisions"] = revisions
    # Packs, bulk downloads and the index are part of the release: written before it becomes visible.
    if outputs is not None:
        manifest["outputs"] = outputs(staging, release_id, manifest, previous)
    manifest["files"] = {
        str(path.relative_to(staging)): {"bytes": path.stat().st_size, "sha256": _sha256(path)}
        for path in sorted(staging.rglob("*"))
        if path.is_file()
    }
    (staging / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str) + "\n", encoding="utf-8")
    return manifest

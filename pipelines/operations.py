"""What the CLI reports about a warehouse: release status and freshness, the registry and its endpoints, release
diffs and read-only queries. Kept apart from cli.py so each piece can be tested without argument parsing."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import requests

from pipelines.fetch import Fetcher, FetchError, HttpPolicy
from pipelines.freshness import assess
from pipelines.registry import Cadence, Registry, Source
from pipelines.release import LATEST, latest_release
from pipelines.settings import WAREHOUSE_FILE_NAME

# How old a source's artefact may be before it is overdue, by cadence (with a month's grace for publishers).
CADENCE_MAX_AGE = {
    Cadence.monthly: timedelta(days=31 + 30),
    Cadence.quarterly: timedelta(days=92 + 30),
    Cadence.annual: timedelta(days=366 + 30),
}


class OperationError(RuntimeError):
    """A user-facing error: the message says what is wrong and what to do."""


def list_releases(releases_dir: Path) -> list[Path]:
    if not releases_dir.is_dir():
        return []
    return sorted(
        (p for p in releases_dir.iterdir() if p.is_dir() and not p.name.startswith(".") and p.name != LATEST),
        key=lambda p: p.name,
    )


def resolve_release(releases_dir: Path, name: str) -> Path:
    """A release by id, by path, or `latest`."""
    candidate = Path(name)
    if candidate.is_dir() and (candidate / WAREHOUSE_FILE_NAME).is_file():
        return candidate.resolve()
    path = (releases_dir / name).resolve() if name != LATEST else latest_release(releases_dir)
    if path is None or not (path / WAREHOUSE_FILE_NAME).is_file():
        known = ", ".join(p.name for p in list_releases(releases_dir)[-5:]) or "none"
        raise OperationError(f"no release {name!r} in {releases_dir} (latest ones: {known})")
    return path


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def source_freshness(
    registry: Registry, manifest: dict[str, Any], now: datetime, today: date | None = None
) -> list[dict[str, Any]]:
    """Per source: when its artefact was retrieved, whether the release used a stale copy, and whether it is
    overdue for its cadence; and beside that, the latest period its data covers, the publisher's release date
    and whether the data is current on `today` (judged again now: data current at publication ages)."""
    by_id = {s["source_id"]: s for s in manifest.get("sources", [])}
    today = today or now.date()
    rows = []
    for source in registry.sources:
        landed = by_id.get(source.id, {})
        end = landed.get("latest_period_end")
        data = assess(
            source,
            landed.get("latest_period"),
            date.fromisoformat(end) if end else None,
            today,
            # a release from before data periods were read cannot say why none is known
            landed.get("data_freshness_reason") or "the release does not record the data period",
        )
        retrieved = _parse_time(landed.get("retrieved_at"))
        age = now - retrieved if retrieved else None
        limit = CADENCE_MAX_AGE.get(source.cadence)
        if not landed:
            state = "not in release"
        elif landed.get("stale"):
            state = "stale"
        elif age is not None and limit is not None and age > limit:
            state = "overdue"
        else:
            state = "fresh"
        rows.append(
            {
                "source_id": source.id,
                "cadence": str(source.cadence),
                "retrieved_at": retrieved.isoformat(timespec="seconds") if retrieved else None,
                "age_days": round(age.total_seconds() / 86400, 1) if age is not None else None,
                "next_release": source.next_release,
                "state": state,
                "note": landed.get("stale_reason") or "",
                "latest_period": landed.get("latest_period"),
                "latest_period_end": end,
                "released_on": landed.get("released_on"),
                "data_freshness": data.data_freshness,
                "periods_behind": data.periods_behind,
                "next_period_due": data.next_period_due.isoformat() if data.next_period_due else None,
                "data_freshness_reason": data.data_freshness_reason,
            }
        )
    return rows


def release_status(
    releases_dir: Path, registry: Registry, now: datetime | None = None, today: date | None = None
) -> dict[str, Any]:
    now = now or datetime.now(UTC)
    latest = latest_release(releases_dir)
    if latest is None:
        raise OperationError(f"no published release in {releases_dir}; run `ics-baseline build` first")
    manifest = json.loads((latest / "manifest.json").read_text(encoding="utf-8"))
    checks = manifest.get("checks", [])
    return {
        "release": manifest.get("release_id", latest.name),
        "path": str(latest),
        "created_at": manifest.get("created_at"),
        "fetch_mode": manifest.get("fetch_mode"),
        "code_version": manifest.get("code_version", {}),
        "releases": len(list_releases(releases_dir)),
        "tables": manifest.get("tables", {}),
        "checks": {"evaluated": len(checks), "passed": sum(1 for c in checks if c["passed"])},
        "failed_checks": [c for c in checks if not c["passed"]],
        # figures moved since the previous release, per source (pipelines/revisions.py); absent before it existed
        "revisions": manifest.get("revisions"),
        "data_assessed_on": (today or now.date()).isoformat(),
        "sources": source_freshness(registry, manifest, now, today),
    }


@dataclass(frozen=True)
class ProbeResult:
    source_id: str
    url: str
    ok: bool
    detail: str
    seconds: float


def probe_source(source: Source, policy: HttpPolicy, session: requests.Session, timeout: float = 15.0) -> ProbeResult:
    """Is the publisher's endpoint answering? HEAD (GET if HEAD is refused), no body read, allowlist enforced."""
    url = str(source.live.url)
    started = time.monotonic()
    try:
        for _ in range(policy.max_redirects + 1):
            policy.check_url(url, source.id)
            response = session.head(url, timeout=timeout, allow_redirects=False)
            if response.status_code in (405, 501):
                response = session.get(url, timeout=timeout, allow_redirects=False, stream=True)
                response.close()
            if response.status_code in (301, 302, 303, 307, 308) and response.headers.get("Location"):
                url = requests.compat.urljoin(url, response.headers["Location"])
                continue
            ok = 200 <= response.status_code < 300
            detail = f"HTTP {response.status_code}"
            for header in ("ETag", "Last-Modified", "Content-Length"):
                if response.headers.get(header):
                    detail += f", {header} {response.headers[header]}"
            return ProbeResult(source.id, url, ok, detail, time.monotonic() - started)
        return ProbeResult(source.id, url, False, "too many redirects", time.monotonic() - started)
    except FetchError as exc:
        return ProbeResult(source.id, url, False, str(exc), time.monotonic() - started)
    except requests.RequestException as exc:
        return ProbeResult(source.id, url, False, f"{type(exc).__name__}: {exc}", time.monotonic() - started)


def run_query(database: Path, sql: str) -> tuple[list[str], list[tuple]]:
    """Run SQL read-only against a published database; writes fail with DuckDB's read-only error."""
    with duckdb.connect(str(database), read_only=True) as con:
        try:
            result = con.execute(sql)
        except duckdb.Error as exc:
            raise OperationError(f"query failed: {exc}") from None
        if result.description is None:
            return [], []
        columns = [d[0] for d in result.description]
        return columns, result.fetchall()


PREVIEW_BYTES = 256 * 1024


@dataclass(frozen=True)
class LayoutCheck:
    """What `sources check --live` found for one source: would it load, and if not, why (naming the column)."""

    source_id: str
    kind: str
    publisher_format: str
    loads: bool
    rows_read: int
    detail: str
    seconds: float


def check_live_layout(source: Source, fetcher: Fetcher) -> LayoutCheck:
    """Fetch the start of what the publisher serves (headers and first rows, or the first page) through the source's
    live adapter and read it with the source's live layout: format, sheet, required columns by alias."""
    from pipelines.readers import SourceFormatError, read_source

    fmt = source.file_format("live")
    describe = fmt.type + (f", sheet {fmt.sheet!r}" if fmt.sheet else "")
    started = time.monotonic()
    try:
        artefact = fetcher.fetch(source)
        table = read_source(source, artefact.path, "live")
    except (FetchError, SourceFormatError) as exc:
        return LayoutCheck(source.id, source.live.kind, describe, False, 0, str(exc), time.monotonic() - started)
    missing_optional = [c for c, spec in source.columns.items() if not spec.required and table[c].isna().all()]
    detail = f"{len(source.columns)} columns found by alias"
    if missing_optional:
        detail += f" (optional, absent: {', '.join(missing_optional)})"
    return LayoutCheck(source.id, source.live.kind, describe, True, len(table), detail, time.monotonic() - started)

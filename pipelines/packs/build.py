"""Everything a release offers besides its tables: a pack per ICB and vintage, bulk downloads, the data-quality
page, what changed since the previous release, and the index page that links them.

Runs inside the release's staging directory, before the rename that makes the release visible, so a release is
never seen without its packs. `ics-baseline pack` uses the same functions to regenerate one pack elsewhere.
"""

from __future__ import annotations

import contextlib
import json
import logging
import multiprocessing
import os
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import jinja2

from pipelines.packs.bulk import write_bulk_downloads
from pipelines.packs.data import OGL_ATTRIBUTION, VINTAGE_LABELS, IcbPack, ReleaseData, vintages_with_packs
from pipelines.packs.diff import compare_releases
from pipelines.packs.excel import write_workbook
from pipelines.settings import WAREHOUSE_FILE_NAME

log = logging.getLogger(__name__)

# Packs are independent per ICB and vintage, and writing them is most of publication's time: two processes use
# both cores of the 2-core target machine (bench/bench_packs.py measures it).
PACK_WORKERS = 2

TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("pipelines.packs", "templates"),
    autoescape=jinja2.select_autoescape(["html", "j2"]),
    undefined=jinja2.StrictUndefined,
)


def _render_report(pack: IcbPack, path: Path) -> Path | None:
    """The HTML report, where the report module is installed (it brings the charting dependencies)."""
    try:
        from pipelines.packs.html_report import render_icb_report
    except ImportError:
        return None
    return render_icb_report(pack, path)


def write_pack(pack: IcbPack, indicators, out_dir: Path) -> dict[str, Path | None]:
    """One ICB's workbook and report, under out_dir/<vintage>/."""
    folder = out_dir / pack.vintage.lower()
    workbook = write_workbook(pack, indicators, folder / f"{pack.file_stem}.xlsx")
    report = _render_report(pack, folder / f"{pack.file_stem}.html")
    return {"workbook": workbook, "report": report}


def build_release_outputs(
    release_dir: Path,
    release_id: str,
    manifest: dict[str, Any],
    previous_release: Path | None,
) -> dict[str, Any]:
    """Write packs/, csv/, parquet/, csv-metadata.json, changes.json, data-quality.html and index.html."""
    # The workers start (import, load the release) while this process loads it too, so both cores are busy from
    # the start to the last pack. The bulk downloads come after the packs: DuckDB's threads only slow the workers.
    with _pack_workers(release_dir, release_id, manifest) as pool:
        data = ReleaseData(release_dir, manifest={**manifest, "release_id": release_id})
        packed = vintages_with_packs(sorted({vintage for _, vintage in data.icb_keys()}), _release_date(manifest))
        entries = _write_all_packs(data, release_dir, release_id, manifest, release_dir / "packs", pool, packed)
    # every ICB of every vintage has its CSV, whether or not its vintage has packs
    bulk = write_bulk_downloads(release_dir, data.file_stems(), release_id)
    changes = compare_releases(release_dir, previous_release, new_release_id=release_id)
    (release_dir / "changes.json").write_text(json.dumps(changes, indent=2, default=str) + "\n", encoding="utf-8")
    _write_data_quality_page(release_dir, release_id, manifest)
    without_packs = sorted({vintage for _, vintage in data.icb_keys()} - set(packed))
    _write_index(release_dir, release_id, manifest, entries, bulk, changes, without_packs)
    return {
        "packs": len(entries),
        "pack_vintages": packed,
        "vintages_without_packs": without_packs,
        "reports": sum(1 for _, written in entries if written["report"] is not None),
        "changes": {key: changes.get(key) for key in ("figures_added", "figures_dropped", "figures_revised")},
    }


# Packs go to the workers a few at a time, so the publishing process (which starts writing at once, while the
# workers are still importing and loading the release) and the workers finish together.
PACK_CHUNK = 3

_WORKER_RELEASE: dict[tuple[str, str], ReleaseData] = {}


def _worker_release(release_dir: Path, release_id: str, manifest: dict) -> ReleaseData:
    """The release as a worker reads it itself, once per process (nothing large crosses processes)."""
    cache_key = (str(release_dir), release_id)
    data = _WORKER_RELEASE.get(cache_key)
    if data is None:
        _WORKER_RELEASE.clear()
        data = _WORKER_RELEASE[cache_key] = ReleaseData(release_dir, manifest={**manifest, "release_id": release_id})
    return data


def _write_packs(release_dir: Path, release_id: str, manifest: dict, keys: list, out_dir: Path) -> list[dict]:
    """A worker's chunk of the packs."""
    data = _worker_release(release_dir, release_id, manifest)
    return [write_pack(data.pack(code, vintage), data.indicators, out_dir) for code, vintage in keys]


@contextlib.contextmanager
def _pack_workers(release_dir: Path, release_id: str, manifest: dict) -> Iterator[ProcessPoolExecutor | None]:
    """PACK_WORKERS - 1 worker processes, already loading the release; None when packs are written here only."""
    workers = min(PACK_WORKERS, os.cpu_count() or 1)
    if workers <= 1:
        yield None
        return
    # spawn, not fork: the publishing process holds DuckDB and Dagster threads, which a fork would copy mid-state
    with ProcessPoolExecutor(max_workers=workers - 1, mp_context=multiprocessing.get_context("spawn")) as pool:
        pool.submit(_worker_release, release_dir, release_id, manifest)
        yield pool


def _release_date(manifest: dict[str, Any]) -> date:
    """The day the release was made, which decides the vintages with packs (so a rerun writes the same packs)."""
    created = manifest.get("created_at")
    return datetime.fromisoformat(created).date() if created else datetime.now(UTC).date()


def _write_all_packs(
    data: ReleaseData,
    release_dir,
    release_id,
    manifest,
    out_dir,
    pool: ProcessPoolExecutor | None = None,
    vintages: list[str] | None = None,
) -> list[tuple[IcbPack, dict]]:
    """Every pack (of `vintages`, or all), in `data.icb_keys()` order. With a pool, its workers take chunks from the
    front of the list and this process takes them from the back until the two meet."""
    keys = [key for key in data.icb_keys() if vintages is None or key[1] in vintages]
    if pool is None:
        packs = {(code, vintage): data.pack(code, vintage) for code, vintage in keys}
        return [(packs[key], write_pack(packs[key], data.indicators, out_dir)) for key in keys]
    chunks = [keys[i : i + PACK_CHUNK] for i in range(0, len(keys), PACK_CHUNK)]
    futures = [pool.submit(_write_packs, release_dir, release_id, manifest, chunk, out_dir) for chunk in chunks]
    packs, written = {}, {}
    for chunk, future in zip(reversed(chunks), reversed(futures), strict=True):
        if not future.cancel():  # a worker has it (or has queued it): the rest are the workers' too
            break
        for key in chunk:
            packs[key] = data.pack(*key)
            written[key] = write_pack(packs[key], data.indicators, out_dir)
    # the workers' packs as this process describes them (for the index), made while the workers finish
    packs.update({key: data.pack(*key) for key in keys if key not in packs})
    for chunk, future in zip(chunks, futures, strict=True):
        if not future.cancelled():
            written.update(zip(chunk, future.result(), strict=True))
    return [(packs[key], written[key]) for key in keys]


def _relative(path: Path | None, root: Path) -> str | None:
    return None if path is None else str(path.relative_to(root))


def _check_counts(checks: list[dict[str, Any]]) -> dict[str, int]:
    return {
        "checks_total": len(checks),
        "checks_passed": sum(1 for c in checks if c["passed"]),
        "checks_warned": sum(1 for c in checks if not c["passed"] and c["severity"] != "ERROR"),
        "checks_blocking_failed": sum(1 for c in checks if not c["passed"] and c["severity"] == "ERROR"),
    }


def _write_index(release_dir, release_id, manifest, entries, bulk, changes, without_packs) -> None:
    vintages = []
    for vintage in sorted({pack.vintage for pack, _ in entries}):
        packs = sorted((p for p in entries if p[0].vintage == vintage), key=lambda p: p[0].name)
        vintages.append(
            {
                "id": vintage.lower(),
                "label": f"{vintage}: {VINTAGE_LABELS.get(vintage, vintage)}",
                "packs": [
                    {
                        "name": pack.name,
                        "code": pack.code,
                        "region": pack.icb.get("nhs_region_name") or "",
                        "report": _relative(written["report"], release_dir),
                        "workbook": _relative(written["workbook"], release_dir),
                        "csv": bulk["per_ics_csv"][(pack.code, pack.vintage)]["archive"],
                        "csv_member": bulk["per_ics_csv"][(pack.code, pack.vintage)]["member"],
                    }
                    for pack, written in packs
                ],
            }
        )
    checks = manifest.get("checks", [])
    sources = manifest.get("sources", [])
    html = TEMPLATES.get_template("index.html.j2").render(
        release_id=release_id,
        created_at=manifest.get("created_at", ""),
        fetch_mode=manifest.get("fetch_mode", ""),
        code_version=(manifest.get("code_version") or {}).get("git_commit") or "unknown",
        packs_total=len(entries),
        vintages=vintages,
        vintages_without_packs=[
            {"id": vintage, "label": VINTAGE_LABELS.get(vintage, vintage)} for vintage in without_packs
        ],
        database=WAREHOUSE_FILE_NAME,
        parquet=bulk["parquet"],
        csv_archives=bulk["csv_archives"],
        sources_total=len(sources),
        stale_sources=[s["source_id"] for s in sources if s.get("stale")],
        changes=changes,
        attribution=OGL_ATTRIBUTION,
        **_check_counts(checks),
    )
    (release_dir / "index.html").write_text(html, encoding="utf-8")


def _write_data_quality_page(release_dir: Path, release_id: str, manifest: dict[str, Any]) -> None:
    checks = sorted(manifest.get("checks", []), key=lambda c: (c["passed"], c["asset"], c["check"]))
    html = TEMPLATES.get_template("data_quality.html.j2").render(
        release_id=release_id,
        checks=checks,
        warnings=[c for c in checks if not c["passed"]],
        sources=[{"stale": False, "stale_reason": "", **s} for s in manifest.get("sources", [])],
        data_assessed_on=next((s["assessed_on"] for s in manifest.get("sources", []) if s.get("assessed_on")), None),
        reconciliation=manifest.get("reconciliation", []),
        attribution=OGL_ATTRIBUTION,
        **_check_counts(checks),
    )
    (release_dir / "data-quality.html").write_text(html, encoding="utf-8")

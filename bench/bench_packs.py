"""Benchmark: every release output (packs, bulk downloads, changes, data-quality page, index) from a release.

    python3 -m uv run --locked python bench/bench_packs.py [--runs 3] [--release warehouse/releases/latest]

Each run is a fresh child process, as publication is: the release's ics_baseline.duckdb and manifest.json are
copied into a temporary directory and `build_release_outputs` writes everything else there, exactly as
`pipelines/release.py` does in its staging directory (a cold build has no previous release, so none is passed).
The real functions are wrapped with timers to split the time into the packs (workbook + HTML report per ICB and
vintage, over `PACK_WORKERS` processes), bulk downloads and the rest (load, changes, data-quality page, index);
`--workers 1` writes every pack in the publishing process, which also splits them into workbooks and reports. With
workers, the publishing process's `workbooks_seconds` and `reports_seconds` cover only the packs it wrote itself.
Results go to bench/results/packs.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# issue 11 (lean releases): every pack (workbook + no-JavaScript report) for 120 ICB x vintage keys, 2 cores
TARGET_SECONDS = 15.0
# Keys the publication step adds to the manifest after (or as a result of) build_release_outputs.
MANIFEST_KEYS_WRITTEN_AFTER = ("outputs", "files")


def _timed(totals: dict[str, float], key: str, function):
    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            totals[key] += time.perf_counter() - started

    return wrapper


def one_run(release: Path, work_dir: Path, workers: int | None) -> dict:
    """Runs in the child: copy the release's tables, then time build_release_outputs with its parts."""
    staged = work_dir / "release"
    staged.mkdir()
    for name in ("ics_baseline.duckdb", "manifest.json"):
        shutil.copy2(release / name, staged / name)
    copied_bytes = sum((staged / n).stat().st_size for n in ("ics_baseline.duckdb", "manifest.json"))
    manifest = json.loads((staged / "manifest.json").read_text(encoding="utf-8"))
    release_id = manifest.get("release_id", release.name)
    manifest = {k: v for k, v in manifest.items() if k not in MANIFEST_KEYS_WRITTEN_AFTER}

    started = time.perf_counter()
    import pipelines.packs.build as build
    import pipelines.packs.html_report as html_report

    imported = time.perf_counter()
    if workers is not None:
        build.PACK_WORKERS = workers
    totals: dict[str, float] = defaultdict(float)
    # all packs (workbook + report per ICB and vintage); with one worker also split into workbooks and reports
    build._write_all_packs = _timed(totals, "packs", build._write_all_packs)
    build.write_workbook = _timed(totals, "workbooks", build.write_workbook)
    html_report.render_icb_report = _timed(totals, "reports", html_report.render_icb_report)
    build.write_bulk_downloads = _timed(totals, "bulk_downloads", build.write_bulk_downloads)
    build.ReleaseData = _timed(totals, "load_release", build.ReleaseData)
    build.compare_releases = _timed(totals, "changes", build.compare_releases)
    build._write_data_quality_page = _timed(totals, "data_quality_page", build._write_data_quality_page)
    build._write_index = _timed(totals, "index", build._write_index)

    summary = build.build_release_outputs(staged, release_id, manifest, None)
    finished = time.perf_counter()
    outputs_seconds = finished - imported
    # workbooks and reports are timed inside the packs phase
    accounted = sum(v for k, v in totals.items() if k not in ("workbooks", "reports"))
    files = [p for p in staged.rglob("*") if p.is_file()]
    usage = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    peak_kib = max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return {
        "pack_workers": build.PACK_WORKERS,
        "packs": summary["packs"],
        "reports": summary["reports"],
        "seconds": round(finished - started, 2),
        "import_seconds": round(imported - started, 2),
        "build_release_outputs_seconds": round(outputs_seconds, 2),
        **{f"{key}_seconds": round(value, 2) for key, value in sorted(totals.items())},
        # anything not wrapped above
        "other_seconds": round(outputs_seconds - accounted, 2),
        # CPU of the publishing process and its pack workers: about the wall time of one worker on an idle machine
        "cpu_seconds": round(sum(u.ru_utime + u.ru_stime for u in usage), 2),
        "files_written": len(files) - 2,
        "bytes_written": sum(p.stat().st_size for p in files) - copied_bytes,
        # the largest single process: the publishing process or one pack worker
        "peak_rss_mib": round(peak_kib / 1024, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--release", type=Path, default=ROOT / "warehouse" / "releases" / "latest")
    parser.add_argument("--notes", default="", help="free text stored with the results (e.g. 'machine under load')")
    parser.add_argument(
        "--workers",
        type=int,
        help="override pipelines.packs.build.PACK_WORKERS; with 1, workbooks and reports are timed separately",
    )
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(one_run(args.release, args.child, args.workers)))
        return

    release = args.release.resolve()
    runs = []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory(prefix="bench_packs_") as work_dir:
            started = time.perf_counter()
            proc = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--release",
                    str(release),
                    "--child",
                    work_dir,
                    *(["--workers", str(args.workers)] if args.workers is not None else []),
                ],
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=False,
            )
            wall = time.perf_counter() - started
            if proc.returncode != 0:
                raise SystemExit(f"packs run failed:\n{proc.stderr[-3000:]}")
            run = json.loads(proc.stdout.strip().splitlines()[-1])
            run["wall_seconds"] = round(wall, 2)
            runs.append(run)
    parts = sorted({k for r in runs for k in r if k.endswith("_seconds") and k not in ("seconds", "wall_seconds")})
    median_wall = statistics.median(r["wall_seconds"] for r in runs)
    result = {
        "benchmark": "release_outputs_all_packs",
        "recorded_at": datetime.now(UTC).isoformat(),
        "release": json.loads((release / "manifest.json").read_text()).get("release_id", release.name),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "notes": args.notes,
        "runs": runs,
        "median_wall_seconds": median_wall,
        "median_parts_seconds": {k: statistics.median(r.get(k, 0.0) for r in runs) for k in parts},
        "peak_rss_mib": max(r["peak_rss_mib"] for r in runs),
        # the target is for the 120 packs (workbook + report each, over both processes); the wall time adds
        # the bulk downloads, loading the release and importing the modules
        "target_seconds": TARGET_SECONDS,
        "target_measure": "median_parts_seconds.packs_seconds",
        "target_met": statistics.median(r["packs_seconds"] for r in runs) <= TARGET_SECONDS,
    }
    out = ROOT / "bench" / "results" / "packs.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

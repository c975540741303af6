"""Benchmark: every ICB's HTML report (42 ICB22 + 42 ICB24 + 36 ICB26) from the latest release, median of runs.

    python3 -m uv run --locked python bench/bench_reports.py [--runs 3] [--release warehouse/releases/latest]

Each run is a fresh child process (as the release step would be): it loads the release once, builds the
JavaScript bundle once, and renders all reports into a temporary directory. Results go to
bench/results/reports.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def one_run(release: Path, out_dir: Path) -> dict:
    """Runs in the child: time the load, the bundle and every report."""
    started = time.perf_counter()
    from pipelines.packs.data import ReleaseData
    from pipelines.packs.html_report import javascript_bundle, render_icb_report

    imported = time.perf_counter()
    data = ReleaseData(release)
    loaded = time.perf_counter()
    javascript_bundle()
    bundled = time.perf_counter()
    per_report, sizes = [], []
    for code, vintage in data.icb_keys():
        t0 = time.perf_counter()
        path = render_icb_report(data.pack(code, vintage), out_dir)
        per_report.append(time.perf_counter() - t0)
        sizes.append(path.stat().st_size)
    finished = time.perf_counter()
    return {
        "reports": len(per_report),
        "seconds": round(finished - started, 2),
        "import_seconds": round(imported - started, 2),
        "load_release_seconds": round(loaded - imported, 2),
        "javascript_bundle_seconds": round(bundled - loaded, 2),
        "render_seconds": round(finished - bundled, 2),
        "median_seconds_per_report": round(statistics.median(per_report), 4),
        "max_seconds_per_report": round(max(per_report), 4),
        "median_bytes_per_report": int(statistics.median(sizes)),
        "max_bytes_per_report": max(sizes),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--release", type=Path, default=ROOT / "warehouse" / "releases" / "latest")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(one_run(args.release, args.child)))
        return

    release = args.release.resolve()
    runs = []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory(prefix="bench_reports_") as out_dir:
            started = time.perf_counter()
            proc = subprocess.run(
                [sys.executable, __file__, "--release", str(release), "--child", out_dir],
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=False,
            )
            wall = time.perf_counter() - started
            if proc.returncode != 0:
                raise SystemExit(f"report run failed:\n{proc.stderr[-3000:]}")
            run = json.loads(proc.stdout.strip().splitlines()[-1])
            run["wall_seconds"] = round(wall, 2)
            runs.append(run)
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    result = {
        "benchmark": "html_reports_all_icbs",
        "recorded_at": datetime.now(UTC).isoformat(),
        "release": json.loads((release / "manifest.json").read_text()).get("release_id", release.name),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "runs": runs,
        "median_wall_seconds": statistics.median(r["wall_seconds"] for r in runs),
        "median_render_seconds": statistics.median(r["render_seconds"] for r in runs),
        "median_seconds_per_report": statistics.median(r["median_seconds_per_report"] for r in runs),
        "median_bytes_per_report": statistics.median(r["median_bytes_per_report"] for r in runs),
        "peak_rss_mib": round(peak_kib / 1024, 1),
    }
    out = ROOT / "bench" / "results" / "reports.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

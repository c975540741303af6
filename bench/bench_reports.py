"""Benchmark: every ICB's HTML report (42 ICB22 + 42 ICB24 + 36 ICB26) from the latest release, median of runs.

    python3 -m uv run --locked python bench/bench_reports.py [--runs 3] [--release warehouse/releases/latest]

Each run is a fresh child process (as the release step would be): it loads the release once and renders all
reports (no JavaScript: charts are inline SVG) into a temporary directory, timing each report and measuring its
size and the size of each chart. Results go to bench/results/reports.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHARTS = ("spine-chart", "trend-chart", "map-chart")
# issue 11 (lean releases): a hard limit per report; the aim is a median of 120 KB
MAX_BYTES_PER_REPORT = 400_000


def one_run(release: Path, out_dir: Path) -> dict:
    """Runs in the child: time the load and every report; sizes of the pages and of their charts."""
    started = time.perf_counter()
    from pipelines.packs.data import ReleaseData
    from pipelines.packs.html_report import render_icb_report

    imported = time.perf_counter()
    data = ReleaseData(release)
    loaded = time.perf_counter()
    cpu_started = time.process_time()
    per_report, sizes = [], []
    chart_bytes: dict[str, list[int]] = {chart: [] for chart in CHARTS}
    for code, vintage in data.icb_keys():
        t0 = time.perf_counter()
        path = render_icb_report(data.pack(code, vintage), out_dir)
        per_report.append(time.perf_counter() - t0)
        sizes.append(path.stat().st_size)
        html = path.read_text(encoding="utf-8")
        if "<script" in html:
            raise SystemExit(f"{path.name} has a <script> element")
        for chart in CHARTS:
            found = re.search(rf'<figure class="chart" id="{chart}">.*?</figure>', html, re.S)
            chart_bytes[chart].append(len(found.group(0).encode()) if found else 0)
    finished = time.perf_counter()
    return {
        "reports": len(per_report),
        "seconds": round(finished - started, 2),
        "import_seconds": round(imported - started, 2),
        "load_release_seconds": round(loaded - imported, 2),
        "render_seconds": round(finished - loaded, 2),
        "render_cpu_seconds": round(time.process_time() - cpu_started, 2),
        "median_seconds_per_report": round(statistics.median(per_report), 4),
        "max_seconds_per_report": round(max(per_report), 4),
        "median_bytes_per_report": int(statistics.median(sizes)),
        "max_bytes_per_report": max(sizes),
        "total_bytes": sum(sizes),
        "reports_over_limit": sum(1 for size in sizes if size > MAX_BYTES_PER_REPORT),
        "median_chart_bytes": {chart: int(statistics.median(values)) for chart, values in chart_bytes.items()},
        "max_chart_bytes": {chart: max(values) for chart, values in chart_bytes.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--release", type=Path, default=ROOT / "warehouse" / "releases" / "latest")
    parser.add_argument("--notes", default="", help="free text stored with the results (e.g. 'machine under load')")
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
        "max_bytes_per_report": max(r["max_bytes_per_report"] for r in runs),
        "total_bytes": runs[-1]["total_bytes"],
        "max_bytes_limit": MAX_BYTES_PER_REPORT,
        "limit_met": all(r["reports_over_limit"] == 0 for r in runs),
        "notes": args.notes,
        "peak_rss_mib": round(peak_kib / 1024, 1),
    }
    out = ROOT / "bench" / "results" / "reports.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

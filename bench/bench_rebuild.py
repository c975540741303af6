"""Benchmark: rebuilds after a cold build, through the CLI (median of repeated runs).

    python3 -m uv run --locked python bench/bench_rebuild.py [--runs 3]

One cold build into a fresh warehouse, then:
  - no-op rebuild: the same snapshot again (nothing changed: the build must find nothing to do);
  - one-source rebuild: a mirror where ONS has republished one file (the claimant count, every 2025 rate +0.1
    points), alternating with the original so that every run sees a changed source.
Targets (issue 6, 2 cores): no-op <= 10% of the cold build, one changed source <= 40%.
Results go to bench/results/rebuild.json.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT = ROOT.parent / "shared" / "snapshot"
CHANGED_FILE = "ons_explore_local_statistics/claimant-count.csv"


def build(snapshot: Path, warehouse: Path) -> tuple[float, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ICS_BASELINE_")}
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "build", "--snapshot", str(snapshot), "--warehouse", str(warehouse)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"build failed:\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}")
    return elapsed, result.stdout


def revised_mirror(target: Path) -> Path:
    """The snapshot, symlinked file by file, with one republished file."""
    shutil.copytree(SNAPSHOT, target, copy_function=lambda src, dst: Path(dst).symlink_to(src))
    rows = list(csv.reader(io.StringIO((SNAPSHOT / CHANGED_FILE).read_text(encoding="utf-8-sig"))))
    for row in rows[1:]:
        if row[4].startswith("2025") and row[5].replace(".", "", 1).isdigit():
            row[5] = f"{float(row[5]) + 0.1:.1f}"
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    (target / CHANGED_FILE).unlink()
    (target / CHANGED_FILE).write_text(out.getvalue(), encoding="utf-8-sig")
    return target


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench_rebuild_") as scratch:
        warehouse = Path(scratch) / "warehouse"
        revised = revised_mirror(Path(scratch) / "snapshot")
        cold, _ = build(SNAPSHOT, warehouse)
        noop = []
        for _ in range(args.runs):
            seconds, stdout = build(SNAPSHOT, warehouse)
            if "nothing to do" not in stdout:
                raise SystemExit(f"expected a no-op rebuild, got:\n{stdout}")
            noop.append(round(seconds, 2))
        one_source = []
        mirrors = [revised, SNAPSHOT]
        for run in range(args.runs):
            seconds, stdout = build(mirrors[run % 2], warehouse)
            if "rebuilding ons_els_claimant_count" not in stdout:
                raise SystemExit(f"expected a one-source rebuild, got:\n{stdout}")
            one_source.append(round(seconds, 2))
    cold = round(cold, 2)
    result = {
        "benchmark": "rebuilds after a cold build, through the CLI",
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
        "cold_build_seconds": cold,
        "noop_seconds": noop,
        "noop_median_seconds": statistics.median(noop),
        "noop_ratio_to_cold": round(statistics.median(noop) / cold, 3),
        "noop_target_ratio": 0.10,
        "one_source_seconds": one_source,
        "one_source_median_seconds": statistics.median(one_source),
        "one_source_ratio_to_cold": round(statistics.median(one_source) / cold, 3),
        "one_source_target_ratio": 0.40,
        "changed_source": "ons_els_claimant_count",
    }
    out = ROOT / "bench" / "results" / "rebuild.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

"""Benchmark: cold build from the snapshot, end to end through the CLI (median of repeated runs).

    python3 -m uv run --locked python bench/bench_build.py [--runs 3]

Each run builds into a fresh warehouse in a child process; wall time and the child's peak RSS are recorded.
Results go to bench/results/build.json.
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
SNAPSHOT = ROOT.parent / "shared" / "snapshot"


def one_run() -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="bench_wh_") as warehouse:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ICS_BASELINE_")}
        started = time.perf_counter()
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "pipelines.cli",
                "build",
                "--snapshot",
                str(SNAPSHOT),
                "--warehouse",
                warehouse,
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        _, stderr = proc.communicate()
        elapsed = time.perf_counter() - started
        if proc.returncode != 0:
            raise SystemExit(f"build failed:\n{stderr[-3000:]}")
    # RUSAGE_CHILDREN's ru_maxrss is the largest child so far, so the last run's value is the peak over all runs
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {"seconds": round(elapsed, 2), "peak_rss_mib_so_far": round(peak_kib / 1024, 1)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    runs = [one_run() for _ in range(args.runs)]
    result = {
        "benchmark": "cold_build_from_snapshot",
        "recorded_at": datetime.now(UTC).isoformat(),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "runs": runs,
        "median_seconds": statistics.median(r["seconds"] for r in runs),
        "peak_rss_mib": max(r["peak_rss_mib_so_far"] for r in runs),
    }
    out = ROOT / "bench" / "results" / "build.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

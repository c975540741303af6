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
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.snapshots import mirror_with_revised_claimant_counts  # noqa: E402 (the one republished-file mirror)

SNAPSHOT = ROOT.parent / "shared" / "snapshot"


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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench_rebuild_") as scratch:
        warehouse = Path(scratch) / "warehouse"
        revised = Path(scratch) / "snapshot"
        mirror_with_revised_claimant_counts(SNAPSHOT, revised)
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

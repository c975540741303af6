"""Benchmark: the test suite's wall time on this machine, the way CI runs it.

    python3 -m uv run --locked python bench/bench_tests.py [--runs 1] [--quick-runs 3]

Runs `pytest -m "not e2e"` (the quick loop, target 90 s) `--quick-runs` times and the whole suite (target 8
minutes, as `.ci/run` runs it: two xdist workers, see pyproject.toml) `--runs` times, each in a fresh process on a
clean pytest temporary directory, and records the wall time, the pass/fail counts and pytest's slowest items.
Results go to bench/results/tests.json. A busy machine inflates every figure: record the load average beside it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {"quick": 90.0, "full": 480.0}
# "=== 418 passed in 583.12s ===" or, with -q, "418 passed, 9 deselected in 70.1s"
SUMMARY = re.compile(r"^=*\s*(?P<summary>\d+ (passed|failed|error).*?) in [0-9.]+s")
DURATION = re.compile(r"^(?P<seconds>[0-9.]+)s (?P<when>call|setup|teardown)\s+(?P<test>\S+)$")


def run_suite(arguments: list[str]) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench_tests_") as tmp:
        load_before = os.getloadavg()[0]
        started = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--basetemp", tmp, *arguments],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        seconds = time.perf_counter() - started
    lines = result.stdout.splitlines()
    summary = next((m.group("summary") for line in lines if (m := SUMMARY.search(line))), None)
    slowest = [m.groupdict() for line in lines if (m := DURATION.match(line.strip()))][:15]
    return {
        "seconds": round(seconds, 1),
        "exit_code": result.returncode,
        "summary": summary,
        "load_average_before": round(load_before, 2),
        "slowest": [{**s, "seconds": float(s["seconds"])} for s in slowest],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=1, help="runs of the whole suite")
    parser.add_argument("--quick-runs", type=int, default=3, help='runs of pytest -m "not e2e"')
    parser.add_argument("--notes", default="")
    args = parser.parse_args()
    results: dict = {}
    for name, arguments, runs in (
        ("quick", ["-m", "not e2e", "--durations=15"], args.quick_runs),
        ("full", ["--durations=15"], args.runs),
    ):
        trials = []
        for _ in range(runs):
            trial = run_suite(arguments)
            print(name, json.dumps({k: v for k, v in trial.items() if k != "slowest"}), flush=True)
            trials.append(trial)
        if trials:
            median = statistics.median(t["seconds"] for t in trials)
            results[name] = {
                "command": "pytest " + " ".join(arguments),
                "target_seconds": TARGETS[name],
                "median_seconds": median,
                "within_target": median <= TARGETS[name],
                "runs": trials,
            }
    out = ROOT / "bench" / "results" / "tests.json"
    payload = {
        "benchmark": "test_suite_wall_time",
        "recorded_at": datetime.now(UTC).isoformat(),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "notes": args.notes,
        **results,
    }
    out.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()

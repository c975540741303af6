"""Fault trial: a publisher outage during a real live build (bench/faults/test_publisher_outage.py).

    python3 -m uv run --locked python bench/fault_publisher_outage.py

Runs the trial's tests with the suite's fixtures (tests/conftest.py as a plugin, one process): a snapshot build,
then on a copy of it a full live build from a local server with one source answering 503 (published, that source
stale, named on the index and data-quality pages and in the workbooks), then a build with that source unavailable
and no last good artefact and another source serving bad data (blocked, earlier releases byte-identical).
`ICS_BASELINE_TEST_WAREHOUSE=<published build>` reuses a build instead of making the snapshot build. Results go to
bench/results/publisher_outage.json. It left the suite because it takes two live builds (guide: long fault trials
belong in bench/); the suite keeps the fallback at the asset level (tests/test_unattended.py) and a full live build
(tests/test_live_publisher_mirror.py).
"""

from __future__ import annotations

import json
import platform
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TRIAL = ROOT / "bench" / "faults" / "test_publisher_outage.py"
RESULTS = ROOT / "bench" / "results" / "publisher_outage.json"


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="publisher_outage_") as tmp:
        report = Path(tmp) / "junit.xml"
        command = [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "tests.conftest",
            "-n",
            "0",
            "-p",
            "no:cacheprovider",
            "-q",
            f"--junitxml={report}",
            str(TRIAL),
        ]
        started = time.perf_counter()
        result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
        seconds = round(time.perf_counter() - started, 1)
        cases = [
            {
                "test": case.get("name"),
                "seconds": float(case.get("time", 0)),
                "outcome": "failed" if case.find("failure") is not None or case.find("error") is not None else "passed",
            }
            for case in ET.parse(report).getroot().iter("testcase")
        ]
    outcome = {
        "benchmark": "publisher_outage",
        "recorded_at": datetime.now(UTC).isoformat(),
        "machine": {"cpus": len(__import__("os").sched_getaffinity(0)), "python": platform.python_version()},
        "seconds": seconds,
        "passed": sum(case["outcome"] == "passed" for case in cases),
        "failed": sum(case["outcome"] == "failed" for case in cases),
        "tests": cases,
    }
    RESULTS.write_text(json.dumps(outcome, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(outcome, indent=2))
    if result.returncode != 0:
        print(result.stdout[-4000:], result.stderr[-4000:], sep="\n")
    return result.returncode


if __name__ == "__main__":
    raise SystemExit(main())

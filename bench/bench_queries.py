"""Benchmark: latency of the README's analyst queries on the published DuckDB file.

    python3 -m uv run --locked python bench/bench_queries.py [--runs 3] [--executions 50] [--release ...]

The queries are read from README.md: every ```sql block of the "Using the warehouse" section (including the
`analyst-query:worse-than-england` block), one statement each, so the benchmark follows the documentation.
For each query and run: a fresh read-only connection, then `--executions` timed executions with the rows fetched
(warm: the connection and DuckDB's caches are reused, which is how an analyst's session behaves). Separately,
`--executions` timed rounds of open read-only connection + execute + fetch + close (cold: the cost of a one-off
query from a script). p50/p95 over all runs' executions. Results go to bench/results/queries.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
TARGET_P95_MS = 50.0


def readme_queries(readme: Path) -> dict[str, str]:
    """{name: sql} for each statement in the sql blocks of the README's 'Using the warehouse' section."""
    text = readme.read_text(encoding="utf-8")
    section = text.split("\n## Using the warehouse", 1)[1].split("\n## ", 1)[0]
    queries: dict[str, str] = {}
    for match in re.finditer(r"(<!-- analyst-query:(?P<marker>[\w-]+) -->\s*)?```sql\n(?P<body>.*?)```", section, re.S):
        for statement in (s.strip() for s in match["body"].split(";")):
            if not statement:
                continue
            comment = next((ln[2:].strip() for ln in statement.splitlines() if ln.startswith("--")), None)
            name = match["marker"] or comment or f"query_{len(queries) + 1}"
            queries[name] = statement
    if not queries:
        raise SystemExit("no sql blocks found under 'Using the warehouse' in README.md")
    return queries


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def _summary(milliseconds: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(statistics.median(milliseconds), 2),
        "p95_ms": round(_percentile(milliseconds, 0.95), 2),
        "max_ms": round(max(milliseconds), 2),
        "executions": len(milliseconds),
    }


def measure(database: Path, sql: str, runs: int, executions: int) -> dict:
    warm, first, with_connect = [], [], []
    rows = None
    for _ in range(runs):
        con = duckdb.connect(str(database), read_only=True)
        try:
            for i in range(executions):
                t0 = time.perf_counter()
                result = con.execute(sql).fetchall()
                elapsed = (time.perf_counter() - t0) * 1000
                (first if i == 0 else warm).append(elapsed)
                rows = len(result)
        finally:
            con.close()
        for _ in range(executions):
            t0 = time.perf_counter()
            con = duckdb.connect(str(database), read_only=True)
            con.execute(sql).fetchall()
            con.close()
            with_connect.append((time.perf_counter() - t0) * 1000)
    return {
        "rows": rows,
        # the first execution on a fresh connection is part of the session's figures
        "session": _summary(first + warm),
        "first_on_fresh_connection_ms": round(statistics.median(first), 2),
        "including_connection_open": _summary(with_connect),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3, help="fresh connections (batches) per query")
    parser.add_argument("--executions", type=int, default=50, help="executions per batch")
    parser.add_argument("--release", type=Path, default=ROOT / "warehouse" / "releases" / "latest")
    parser.add_argument("--notes", default="", help="free text stored with the results (e.g. 'machine under load')")
    args = parser.parse_args()
    database = (args.release / "ics_baseline.duckdb").resolve()
    queries = readme_queries(ROOT / "README.md")
    results = {
        name: {"sql": sql, **measure(database, sql, args.runs, args.executions)} for name, sql in queries.items()
    }
    worst_p95 = max(r["session"]["p95_ms"] for r in results.values())
    worst_p95_connect = max(r["including_connection_open"]["p95_ms"] for r in results.values())
    result = {
        "benchmark": "analyst_queries_latency",
        "recorded_at": datetime.now(UTC).isoformat(),
        "release": json.loads((args.release / "manifest.json").read_text()).get("release_id"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "duckdb": duckdb.__version__,
        },
        "notes": args.notes,
        "runs": args.runs,
        "executions_per_run": args.executions,
        "queries": results,
        "worst_p95_ms": worst_p95,
        "worst_p95_including_connection_open_ms": worst_p95_connect,
        "target_p95_ms": TARGET_P95_MS,
        "target_met": worst_p95 <= TARGET_P95_MS,
        "target_met_including_connection_open": worst_p95_connect <= TARGET_P95_MS,
    }
    out = ROOT / "bench" / "results" / "queries.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k != "queries"}, indent=2))


if __name__ == "__main__":
    main()

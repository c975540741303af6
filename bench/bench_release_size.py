"""Benchmark: the size of a published release, part by part, against the lean-release targets.

    python3 -m uv run --locked python bench/bench_release_size.py [--release DIR] [--baseline DIR] [--notes ...]

Every file of the release is counted once, by its own bytes (`stat().st_size`), in one part:

- packs_html: the HTML reports under packs/;  workbooks: the .xlsx workbooks under packs/
- csv: csv/ (the per-ICS CSVs zipped by vintage, their CSVW schema), the zipped all-ICB CSV and csv-metadata.json
- parquet: parquet/;  duckdb: ics_baseline.duckdb
- other: everything else (index and data-quality pages, manifest.json, changes.json)

Targets: the whole release <= 60 MB; everything but the packs (csv + parquet + duckdb + other) <= 30 MB, which
leaves the reports and workbooks 30 MB. MB is 10^6 bytes. `--baseline` measures a second release the same way
(e.g. one built from main) and records it beside, so a change's before and after sit in one file. The result
goes to bench/results/release_size.json; there is nothing to time, so there are no runs to take a median of.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MB = 1_000_000
TARGET_TOTAL_MB = 60.0
TARGET_NON_PACKS_MB = 30.0
PARTS = ("packs_html", "workbooks", "csv", "parquet", "duckdb", "other")


def part_of(relative: Path) -> str:
    top = relative.parts[0]
    if top == "packs":
        if relative.suffix == ".html":
            return "packs_html"
        if relative.suffix == ".xlsx":
            return "workbooks"
        return "other"
    if top == "csv" or relative.name == "csv-metadata.json" or relative.name.endswith((".csv", ".csv.zip")):
        return "csv"
    if top == "parquet" or relative.suffix == ".parquet":
        return "parquet"
    if relative.suffix == ".duckdb":
        return "duckdb"
    return "other"


def measure(release: Path) -> dict:
    release = release.resolve()
    sizes = dict.fromkeys(PARTS, 0)
    files = dict.fromkeys(PARTS, 0)
    for path in sorted(release.rglob("*")):
        if path.is_file():
            part = part_of(path.relative_to(release))
            sizes[part] += path.stat().st_size
            files[part] += 1
    total = sum(sizes.values())
    non_packs = sum(sizes[p] for p in ("csv", "parquet", "duckdb", "other"))
    return {
        "release": release.name,
        "path": str(release),
        "bytes": sizes,
        "files": files,
        "mb": {part: round(size / MB, 2) for part, size in sizes.items()},
        "non_packs_mb": round(non_packs / MB, 2),
        "packs_mb": round((sizes["packs_html"] + sizes["workbooks"]) / MB, 2),
        "total_mb": round(total / MB, 2),
        "non_packs_target_met": non_packs <= TARGET_NON_PACKS_MB * MB,
        "total_target_met": total <= TARGET_TOTAL_MB * MB,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--release", type=Path, default=ROOT / "warehouse" / "releases" / "latest")
    parser.add_argument("--baseline", type=Path, help="a second release to measure beside (e.g. built from main)")
    parser.add_argument("--notes", default="", help="free text stored with the results")
    args = parser.parse_args()
    result = {
        "benchmark": "release_size",
        "recorded_at": datetime.now(UTC).isoformat(),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "notes": args.notes,
        "target_total_mb": TARGET_TOTAL_MB,
        "target_non_packs_mb": TARGET_NON_PACKS_MB,
        "measured": measure(args.release),
    }
    if args.baseline:
        result["baseline"] = measure(args.baseline)
    out = ROOT / "bench" / "results" / "release_size.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    for key in ("baseline", "measured"):
        if key in result:
            m = result[key]
            parts = ", ".join(f"{part} {mb} MB" for part, mb in m["mb"].items())
            print(f"{key} {m['release']}: {parts}")
            print(
                f"  everything but the packs {m['non_packs_mb']} MB (target {TARGET_NON_PACKS_MB}),"
                f" total {m['total_mb']} MB (target {TARGET_TOTAL_MB})"
            )


if __name__ == "__main__":
    main()

"""Benchmark: the cold build on 10x the small-area data, against the 1x build on the same machine in the same run.

    python3 -m uv run --locked python bench/bench_scale.py [--runs 3] [--factor 10]

A scaled copy of the snapshot is written to a temporary directory. Every LSOA-level source (all LSOA11 and LSOA21
lookups including LSOA11<->LSOA21, SAPE, IMD 2019 and 2025, the Census LSOA tables and the fuel poverty LSOA
workbook) gets factor-1 synthetic copies of each English LSOA row. Copy k (1..factor-1) carries the code
E01 + (original number + k x 100000), still matching E01\\d{6} (real codes are all below E01100000, checked),
the same names, ICB, sub-ICB, LAD and partner LSOA (the LSOA11<->LSOA21 lookup maps copy k to copy k), so every
synthetic LSOA sits where its original does. Values are perturbed with seeded noise of +-5%: counts per
component, with totals re-summed from their components (SAPE ages, Census categories, fuel poverty households
and their proportion recomputed) and IMD scores scaled; deciles and ranks are kept. Local-authority and other
sources stay as they are.

Expectations: the raw suites pin exact row counts (e.g. 33,755 LSOA21s), which a 10x snapshot cannot meet. The
scaled build therefore runs from a temporary copy of the project in which only those numbers are replaced, each
by the same count taken from the scaled files (rows and distinct codes); every other check is unchanged, and the
substitutions are listed in the results. The 1x build runs from the repository itself. Runs alternate 1x / 10x,
each a fresh warehouse in a child process whose peak RSS (its largest process, dbt included) comes from wait4.
Results go to bench/results/scale.json.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import xlsxwriter
import yaml

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT = ROOT.parent / "shared" / "snapshot"
TARGET_TIME_RATIO = 2.0
NOISE = 0.05
ENGLISH_LSOA = re.compile(r"E01(\d{6})")
CODE_STRIDE = 100_000

# source id -> how its rows are scaled. code_columns: LSOA code headers (raw names, as in the snapshot file);
# total/components: a count and the counts that add up to it; scores: continuous values scaled by the noise.
SCALED_SOURCES: dict[str, dict] = {
    "ons_lsoa11_icb22_lookup": {"code_columns": ["lsoa11_code"]},
    "ons_lsoa21_icb24_lookup": {"code_columns": ["lsoa21_code"]},
    "derived_lsoa21_icb26_lookup": {"code_columns": ["lsoa21_code"]},
    "ons_lsoa11_lsoa21_lookup": {"code_columns": ["lsoa11_code", "lsoa21_code"]},
    "ons_lsoa21_lad24_lookup": {"code_columns": ["lsoa21_code"]},
    "ons_sape2020_lsoa11": {
        "code_columns": ["lsoa11_code"],
        "total": "total_population",
        "components": [str(age) for age in range(90)] + ["90+"],
    },
    "ons_census2021_disability_lsoa21": {
        "code_columns": ["geography code"],
        "total": "Disability: Total: All usual residents",
        "components": [
            "Disability: Disabled under the Equality Act",
            "Disability: Not disabled under the Equality Act",
        ],
    },
    "ons_census2021_tenure_lsoa21": {
        "code_columns": ["geography code"],
        "total": "Tenure of household: Total: All households",
        "components": "rest",
    },
    "mhclg_imd2019_lsoa11_deciles": {"code_columns": ["lsoa11_code"]},
    "mysociety_imd2019_lsoa11_scores": {
        "code_columns": ["lsoa"],
        "scores": ["overall_local_score", "income_score", "employment_score", "UK_IMD_E_score"],
    },
    "mhclg_imd2025_lsoa21": {"code_columns": ["lsoa21_code"], "scores": "suffix:_score"},
    "desnz_fuel_poverty_lsoa11_2020": {
        "code_columns": ["LSOA Code"],
        "total": None,
        "households": "Number of households",
        "fuel_poor": "Number of households in fuel poverty",
        "proportion": "Proportion of households fuel poor (%)",
    },
}


def synthetic_code(code: str, copy: int) -> str:
    match = ENGLISH_LSOA.fullmatch(code)
    number = int(match.group(1))
    if number >= CODE_STRIDE:
        raise SystemExit(f"{code}: real LSOA numbers reach {CODE_STRIDE}; synthetic codes would collide")
    return f"E01{number + copy * CODE_STRIDE:06d}"


def _perturb_count(value: str, rng: random.Random) -> str:
    try:
        number = float(value)
    except ValueError:
        return value  # a suppression marker or blank stays as published
    return str(max(0, round(number * (1 + rng.uniform(-NOISE, NOISE)))))


def _perturb_score(value: str, rng: random.Random) -> str:
    try:
        number = float(value)
    except ValueError:
        return value
    return f"{number * (1 + rng.uniform(-NOISE, NOISE)):.3f}"


def _scaled_row(row: dict, spec: dict, header: list[str], copy: int, rng: random.Random) -> dict:
    out = dict(row)
    for column in spec["code_columns"]:
        if ENGLISH_LSOA.fullmatch(row[column] or ""):
            out[column] = synthetic_code(row[column], copy)
    if spec.get("total"):
        components = spec["components"]
        if components == "rest":
            components = header[header.index(spec["total"]) + 1 :]
        total = 0
        for column in components:
            out[column] = _perturb_count(row[column], rng)
            total += int(out[column]) if out[column].isdigit() else 0
        out[spec["total"]] = str(total)
    scores = spec.get("scores") or []
    if isinstance(scores, str):
        scores = [c for c in header if c.endswith(scores.removeprefix("suffix:"))]
    for column in scores:
        out[column] = _perturb_score(row[column], rng)
    return out


def _is_english_row(row: dict, spec: dict) -> bool:
    return all(ENGLISH_LSOA.fullmatch(row[c] or "") for c in spec["code_columns"])


def _scale_csv(source: Path, target: Path, spec: dict, factor: int, rng: random.Random) -> dict:
    # The snapshot's LSOA CSVs are plain UTF-8 (BOM tolerated) with a header on the first line.
    with source.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        header = list(reader.fieldnames or [])
        rows = list(reader)
    english = [r for r in rows if _is_english_row(r, spec)]
    with target.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        for copy in range(1, factor):
            writer.writerows(_scaled_row(r, spec, header, copy, rng) for r in english)
    return _counts(rows, english, spec, factor)


def _counts(rows: list[dict], english: list[dict], spec: dict, factor: int) -> dict:
    """Row and distinct-code counts before and after scaling, to restate the suites' pinned numbers."""
    counts = {"rows": (len(rows), len(rows) + (factor - 1) * len(english))}
    for column in spec["code_columns"]:
        before = len({r[column] for r in rows})
        copied = len({r[column] for r in english})
        counts[f"distinct {column}"] = (before, before + (factor - 1) * copied)
    return counts


def _scale_fuel_poverty_xlsx(source: Path, target: Path, spec: dict, factor: int, rng: random.Random) -> dict:
    """Rewrite the one sheet the registry reads (Table 3) with the synthetic rows before its footer."""
    sheet_name = "Table 3"
    workbook = openpyxl.load_workbook(source, read_only=True, data_only=True)
    grid = [list(row) for row in workbook[sheet_name].iter_rows(values_only=True)]
    workbook.close()
    header_index = next(i for i, row in enumerate(grid) if spec["code_columns"][0] in row)
    header = [str(v) if v is not None else "" for v in grid[header_index]]
    code_at = header.index(spec["code_columns"][0])
    data_rows = [i for i, row in enumerate(grid) if ENGLISH_LSOA.fullmatch(str(row[code_at] or ""))]
    last = data_rows[-1]
    households, fuel_poor, proportion = (header.index(spec[k]) for k in ("households", "fuel_poor", "proportion"))
    synthetic = []
    for copy in range(1, factor):
        for i in data_rows:
            row = list(grid[i])
            row[code_at] = synthetic_code(row[code_at], copy)
            row[households] = max(1, round(row[households] * (1 + rng.uniform(-NOISE, NOISE))))
            row[fuel_poor] = min(row[households], max(0, round(row[fuel_poor] * (1 + rng.uniform(-NOISE, NOISE)))))
            row[proportion] = 100 * row[fuel_poor] / row[households]
            synthetic.append(row)
    out = xlsxwriter.Workbook(str(target), {"constant_memory": True})
    sheet = out.add_worksheet(sheet_name)
    for r, row in enumerate(grid[: last + 1] + synthetic + grid[last + 1 :]):
        for c, value in enumerate(row):
            if value is not None:
                sheet.write(r, c, value)
    out.close()
    english = len(data_rows)
    return {
        "rows": (english, english * factor),
        f"distinct {spec['code_columns'][0]}": (english, english * factor),
    }


def make_scaled_snapshot(snapshot: Path, target: Path, factor: int, seed: int) -> dict[str, dict]:
    """Copy the snapshot to target with the LSOA-level files scaled; return the counts per scaled source."""
    registry = yaml.safe_load((ROOT / "sources.yaml").read_text(encoding="utf-8"))
    paths = {s["id"]: s["snapshot_path"] for s in registry["sources"]}
    missing = set(SCALED_SOURCES) - set(paths)
    if missing:
        raise SystemExit(f"scaled sources not in sources.yaml: {sorted(missing)}")
    for path in snapshot.rglob("*"):
        if path.is_file():
            destination = target / path.relative_to(snapshot)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, destination)  # not copy2: the snapshot's read-only modes would stick
    rng = random.Random(seed)
    counts = {}
    for source_id, spec in SCALED_SOURCES.items():
        source = snapshot / paths[source_id]
        destination = target / paths[source_id]
        scale = _scale_fuel_poverty_xlsx if source.suffix == ".xlsx" else _scale_csv
        counts[source_id] = scale(source, destination, spec, factor, rng)
    return counts


def scaled_project(target: Path, counts: dict[str, dict], factor: int) -> list[dict]:
    """A copy of the project whose suites' pinned LSOA counts are restated for the scaled snapshot."""
    for name in ("pipelines", "dbt_project", "expectations"):
        shutil.copytree(
            ROOT / name, target / name, ignore=shutil.ignore_patterns("__pycache__", "logs", "dbt_packages")
        )
    for name in ("sources.yaml", "pyproject.toml"):
        shutil.copyfile(ROOT / name, target / name)
    # pinned number -> its scaled value; the English LSOA21 count reaches the marts as well as the raw tables
    restated: dict[int, int] = {}
    for source_counts in counts.values():
        for before, after in source_counts.values():
            restated.setdefault(before, after)
    lsoa21_before, lsoa21_after = counts["mhclg_imd2025_lsoa21"]["rows"]
    restated[lsoa21_before] = lsoa21_after
    changes = []
    for suite_path in sorted((target / "expectations").glob("*.yml")):
        suite = yaml.safe_load(suite_path.read_text(encoding="utf-8"))
        changed = False
        for expectation in suite["expectations"]:
            kwargs = expectation.get("kwargs", {})
            for key in ("value", "min_value", "max_value"):
                old = kwargs.get(key)
                if isinstance(old, int) and not isinstance(old, bool) and old in restated:
                    kwargs[key] = restated[old]
                    changed = True
                    changes.append(
                        {"suite": suite_path.name, "expectation": expectation["type"], key: [old, restated[old]]}
                    )
        if changed:
            suite_path.write_text(yaml.safe_dump(suite, sort_keys=False), encoding="utf-8")
    return changes


def timed_build(project: Path, snapshot: Path, log_file: Path) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench_scale_wh_") as warehouse:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ICS_BASELINE_")}
        started = time.perf_counter()
        with log_file.open("w") as log:
            proc = subprocess.Popen(
                [sys.executable, "-m", "pipelines.cli", "build", "--snapshot", str(snapshot), "--warehouse", warehouse],
                cwd=project,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            # wait4's usage covers the child and the processes it waited for (dbt): the largest one's peak RSS
            _, status, usage = os.wait4(proc.pid, 0)
            proc.returncode = os.waitstatus_to_exitcode(status)
        elapsed = time.perf_counter() - started
        published = proc.returncode == 0
        rows = None
        if published:
            import duckdb

            release_db = Path(warehouse) / "releases" / "latest" / "ics_baseline.duckdb"
            with duckdb.connect(str(release_db), read_only=True) as con:
                rows = {
                    t: con.execute(f"select count(*) from {t}").fetchall()[0][0]
                    for t in ("icb_indicators", "lsoa21_icb_memberships")
                }
    return {
        "seconds": round(elapsed, 2),
        "peak_rss_mib": round(usage.ru_maxrss / 1024, 1),
        "exit_code": proc.returncode,
        "published": published,
        "published_rows": rows,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--factor", type=int, default=10)
    parser.add_argument("--seed", type=int, default=20261124)
    parser.add_argument("--snapshot", type=Path, default=SNAPSHOT)
    parser.add_argument("--notes", default="", help="free text stored with the results (e.g. 'machine under load')")
    args = parser.parse_args()
    snapshot = args.snapshot.resolve()

    with tempfile.TemporaryDirectory(prefix="bench_scale_") as tmp:
        work = Path(tmp)
        started = time.perf_counter()
        counts = make_scaled_snapshot(snapshot, work / "snapshot", args.factor, args.seed)
        changes = scaled_project(work / "project", counts, args.factor)
        setup_seconds = time.perf_counter() - started
        print(f"scaled snapshot and project ready in {setup_seconds:.0f} s", file=sys.stderr)
        runs: dict[str, list[dict]] = {"1x": [], f"{args.factor}x": []}
        for i in range(args.runs):
            builds = (("1x", ROOT, snapshot), (f"{args.factor}x", work / "project", work / "snapshot"))
            for label, project, snap in builds:
                log = work / f"build_{label}_{i}.log"
                run = timed_build(project, snap, log)
                print(f"{label} run {i + 1}: {run}", file=sys.stderr)
                if not run["published"]:
                    run["log_tail"] = log.read_text(errors="replace")[-3000:]
                runs[label].append(run)

    base, scaled = runs["1x"], runs[f"{args.factor}x"]
    base_seconds = statistics.median(r["seconds"] for r in base)
    scaled_seconds = statistics.median(r["seconds"] for r in scaled)
    base_rss = max(r["peak_rss_mib"] for r in base)
    scaled_rss = max(r["peak_rss_mib"] for r in scaled)
    all_published = all(r["published"] for r in base + scaled)
    ratio = round(scaled_seconds / base_seconds, 2)
    result = {
        "benchmark": "scale_10x_lsoa_sources",
        "recorded_at": datetime.now(UTC).isoformat(),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "notes": args.notes,
        "factor": args.factor,
        "seed": args.seed,
        "scaled_sources": {k: {name: list(v) for name, v in c.items()} for k, c in counts.items()},
        "expectations_restated": changes,
        "setup_seconds": round(setup_seconds, 1),
        "runs": runs,
        "median_seconds_1x": base_seconds,
        f"median_seconds_{args.factor}x": scaled_seconds,
        "time_ratio": ratio,
        "peak_rss_mib_1x": base_rss,
        f"peak_rss_mib_{args.factor}x": scaled_rss,
        "memory_ratio": round(scaled_rss / base_rss, 2),
        "all_published": all_published,
        "target_time_ratio": TARGET_TIME_RATIO,
        "target_met": all_published and ratio <= TARGET_TIME_RATIO,
    }
    out = ROOT / "bench" / "results" / "scale.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k not in ("runs", "scaled_sources")}, indent=2))


if __name__ == "__main__":
    main()

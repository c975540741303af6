"""Benchmark: the dbt transformations as bare SQL in one DuckDB process, against the orchestrated build.

    python3 -m uv run --locked python bench/bench_bare_sql.py [--runs 3] [--build-db BUILD_DATABASE]

Setup (not timed): `dbt compile` against a copy of a finished build database (default
warehouse/build/ics_baseline.duckdb) gives the compiled SQL of every
model; the dbt sources (raw.* and meta.*) are copied from that build database into a fresh database, so the bare
run starts from the same inputs as dbt does. Timed, in one child process and one connection (with the
profile's memory limit and threads): the seeds are loaded from their CSVs (with the column types dbt gave them)
and every model is created in topological order, `create or replace view|table <schema>.<name> as <compiled
SQL>`. No tests, no unit tests, no contracts, no docs: just the transformations.

The ratio is taken against the median orchestrated cold build (run here with --build-runs N, alternating with the
bare runs so both see the same machine; else read from bench/results/build.json), and against the dbt part of
the orchestrated build alone: the `dbt_models` step of the build's event log (build-events.jsonl; dbt build:
seeds, models, unit tests and data tests). The event log splits the rest into fetch + parse of raw files, GX
checks and publication (with packs); dbt's run_results.json splits dbt's own time by node type.
Results go to bench/results/bare_sql.json.
"""

from __future__ import annotations

import argparse
import graphlib
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = ROOT / "dbt_project"
TARGET_RATIO = 3.0


def compile_project(build_db: Path, work_dir: Path) -> dict:
    """`dbt compile` into work_dir/target against a copy of build_db; return the manifest."""
    from pipelines.defs.transform.dbt import dbt_executable, dbt_vars
    from pipelines.registry import load_registry

    database = work_dir / "compile" / build_db.name
    database.parent.mkdir()
    shutil.copy2(build_db, database)
    target = work_dir / "target"
    env = {**os.environ, "WAREHOUSE_PATH": str(database)}
    vars_json = json.dumps(dbt_vars(load_registry(ROOT / "sources.yaml")), sort_keys=True)
    proc = subprocess.run(
        [dbt_executable(), "compile", "--quiet", "--target-path", str(target), "--vars", vars_json],
        cwd=DBT_PROJECT_DIR,
        env={**env, "DBT_PROFILES_DIR": str(DBT_PROJECT_DIR)},
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"dbt compile failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    shutil.rmtree(database.parent)
    return json.loads((target / "manifest.json").read_text(encoding="utf-8"))


def plan(manifest: dict, build_db: Path) -> dict:
    """What the child executes: sources to copy, seeds to load, models in topological order."""
    nodes = manifest["nodes"]
    sources = sorted({(s["schema"], s["identifier"]) for s in manifest["sources"].values()})
    seeds, models = [], []
    wanted = {k for k, n in nodes.items() if n["resource_type"] in ("seed", "model")}
    graph = {k: [d for d in nodes[k]["depends_on"].get("nodes", []) if d in wanted] for k in wanted}
    with duckdb.connect(str(build_db), read_only=True) as con:
        for key in graphlib.TopologicalSorter(graph).static_order():
            node = nodes[key]
            relation = (node["schema"], node.get("alias") or node["name"])
            if node["resource_type"] == "seed":
                columns = con.execute(
                    "select column_name, data_type from information_schema.columns"
                    " where table_schema = ? and table_name = ? order by ordinal_position",
                    list(relation),
                ).fetchall()
                csv = DBT_PROJECT_DIR / node["original_file_path"]
                seeds.append({"relation": relation, "csv": str(csv), "columns": dict(columns)})
                continue
            materialized = node["config"]["materialized"]
            if materialized == "ephemeral":
                continue  # inlined as a CTE in the compiled SQL of the models that use it
            models.append(
                {
                    "relation": relation,
                    "kind": "view" if materialized == "view" else "table",
                    "sql": node["compiled_code"],
                }
            )
    return {"sources": sources, "seeds": seeds, "models": models}


def prepare_inputs(build_db: Path, database: Path, sources: list) -> None:
    """The dbt sources copied from the finished build: identical inputs, not timed."""
    with duckdb.connect(str(database)) as con:
        con.execute(f"attach '{build_db}' as build (read_only)")
        for schema, name in sources:
            con.execute(f"create schema if not exists {schema}")
            con.execute(f'create table {schema}."{name}" as select * from build.{schema}."{name}"')
        con.execute("detach build")
        con.execute("checkpoint")


def one_run(work: Path) -> dict:
    """Runs in the child: seeds + every model in one connection, timed."""
    job = json.loads((work / "plan.json").read_text(encoding="utf-8"))
    per_layer: dict[str, float] = defaultdict(float)
    slowest = []
    started = time.perf_counter()
    con = duckdb.connect(str(work / "bare" / "ics_baseline.duckdb"), config={"memory_limit": "1GB", "threads": 2})
    schemas: set[str] = set()
    for seed in job["seeds"]:
        t0 = time.perf_counter()
        schema, name = seed["relation"]
        if schema not in schemas:
            con.execute(f"create schema if not exists {schema}")
            schemas.add(schema)
        columns = ", ".join(f"'{c}': '{t}'" for c, t in seed["columns"].items())
        con.execute(
            f'create or replace table {schema}."{name}" as'
            f" select * from read_csv('{seed['csv']}', header = true, columns = {{{columns}}})"
        )
        per_layer["seeds"] += time.perf_counter() - t0
    for model in job["models"]:
        t0 = time.perf_counter()
        schema, name = model["relation"]
        if schema not in schemas:
            con.execute(f"create schema if not exists {schema}")
            schemas.add(schema)
        con.execute(f'create or replace {model["kind"]} {schema}."{name}" as\n{model["sql"]}')
        elapsed = time.perf_counter() - t0
        per_layer[schema] += elapsed
        slowest.append((elapsed, f"{schema}.{name}"))
    con.execute("checkpoint")
    con.close()
    finished = time.perf_counter()
    slowest.sort(reverse=True)
    return {
        "seconds": round(finished - started, 2),
        "seeds": len(job["seeds"]),
        "models": len(job["models"]),
        "seconds_by_schema": {k: round(v, 2) for k, v in sorted(per_layer.items())},
        "slowest_models": [{"model": m, "seconds": round(s, 2)} for s, m in slowest[:5]],
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def verify_against_build(bare_db: Path, build_db: Path, relations: list) -> list[str]:
    """Every table the bare run made has the row count of the build's table of the same name."""
    mismatches = []
    with duckdb.connect(str(bare_db), read_only=True) as con:
        con.execute(f"attach '{build_db}' as build (read_only)")
        for schema, name in relations:
            ours = con.execute(f'select count(*) from {schema}."{name}"').fetchall()[0][0]
            theirs = con.execute(f'select count(*) from build.{schema}."{name}"').fetchall()[0][0]
            if ours != theirs:
                mismatches.append(f"{schema}.{name}: {ours} rows, build has {theirs}")
    return mismatches


def _step_kind(step: str, events: list[str]) -> str:
    if step == "dbt_models":
        return "dbt_build"
    if step.startswith("publish"):
        return "publish_with_packs"
    if "ASSET_MATERIALIZATION" in events:
        return "fetch_and_parse_raw"  # raw/<source> and meta/source_registry assets
    return "gx_checks"  # one step per GX suite (a blocking asset check)


def orchestrated_breakdown(events_log: Path) -> dict | None:
    """Seconds per kind of step of one orchestrated build, from its Dagster event log (steps run in process)."""
    if not events_log.exists():
        return None
    starts: dict[str, datetime] = {}
    seen: dict[str, list[str]] = defaultdict(list)
    durations: dict[str, float] = {}
    first = last = None
    for line in events_log.read_text(encoding="utf-8").splitlines():
        event = json.loads(line)
        when = datetime.fromisoformat(event["time"])
        first = first or when
        last = when
        step = event.get("step")
        if step is None:
            continue
        seen[step].append(event["event"])
        if event["event"] == "STEP_START":
            starts[step] = when
        elif event["event"] in ("STEP_SUCCESS", "STEP_FAILURE") and step in starts:
            durations[step] = (when - starts.pop(step)).total_seconds()
    if first is None:
        return None
    by_kind: dict[str, float] = defaultdict(float)
    for step, seconds in durations.items():
        by_kind[_step_kind(step, seen[step])] += seconds
    run_seconds = (last - first).total_seconds()
    return {
        "run_seconds": round(run_seconds, 2),
        "seconds_by_kind": {k: round(v, 2) for k, v in sorted(by_kind.items())},
        "between_steps_seconds": round(run_seconds - sum(by_kind.values()), 2),
    }


def dbt_breakdown(run_results: Path | None) -> dict | None:
    """dbt's own split of its build: elapsed, and execution time summed per node type (over dbt's 2 threads)."""
    if run_results is None or not run_results.exists():
        return None
    results = json.loads(run_results.read_text(encoding="utf-8"))
    summed: dict[str, float] = defaultdict(float)
    counts: dict[str, int] = defaultdict(int)
    for node in results["results"]:
        kind = node["unique_id"].split(".")[0]
        summed[kind] += node["execution_time"]
        counts[kind] += 1
    return {
        "run_results": str(run_results),
        "elapsed_seconds": round(results["elapsed_time"], 2),
        "execution_seconds_summed_by_type": {k: round(v, 2) for k, v in sorted(summed.items())},
        "nodes_by_type": dict(sorted(counts.items())),
    }


def newest_run_results() -> Path | None:
    found = sorted(DBT_PROJECT_DIR.glob("target/*/run_results.json"), key=lambda p: p.stat().st_mtime)
    return found[-1] if found else None


def orchestrated_build(snapshot: Path) -> dict:
    """One cold build through the CLI into a fresh warehouse, as bench_build.py runs it, with its breakdowns."""
    with tempfile.TemporaryDirectory(prefix="bench_bare_sql_wh_") as warehouse:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ICS_BASELINE_")}
        started = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "pipelines.cli", "build", "--snapshot", str(snapshot), "--warehouse", warehouse],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )
        elapsed = time.perf_counter() - started
        if proc.returncode != 0:
            raise SystemExit(f"build failed:\n{proc.stderr[-3000:]}")
        steps = orchestrated_breakdown(Path(warehouse) / "logs" / "build-events.jsonl")
        return {
            "seconds": round(elapsed, 2),
            # interpreter and imports, loading the definitions, the dbt manifest check: before the run's first event
            "outside_dagster_run_seconds": round(elapsed - steps["run_seconds"], 2) if steps else None,
            "steps": steps,
            "dbt": dbt_breakdown(newest_run_results()),
        }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--build-db", type=Path, default=ROOT / "warehouse" / "build" / "ics_baseline.duckdb")
    parser.add_argument(
        "--build-runs",
        type=int,
        default=0,
        help="also run the orchestrated cold build this many times, alternating with the bare runs (same"
        " conditions); 0 reads bench/results/build.json and the last build's logs in warehouse/",
    )
    parser.add_argument("--snapshot", type=Path, default=ROOT.parent / "shared" / "snapshot")
    parser.add_argument("--events-log", type=Path, default=ROOT / "warehouse" / "logs" / "build-events.jsonl")
    parser.add_argument("--notes", default="", help="free text stored with the results (e.g. 'machine under load')")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(one_run(args.child)))
        return

    build_db = args.build_db.resolve()
    runs, builds = [], []
    with tempfile.TemporaryDirectory(prefix="bench_bare_sql_") as tmp:
        work = Path(tmp)
        manifest = compile_project(build_db, work)
        job = plan(manifest, build_db)
        (work / "plan.json").write_text(json.dumps(job), encoding="utf-8")
        inputs = work / "inputs.duckdb"
        prepare_inputs(build_db, inputs, job["sources"])
        for _ in range(args.runs):
            bare = work / "bare"
            shutil.rmtree(bare, ignore_errors=True)
            bare.mkdir()
            # the catalog is named after the file, as in dbt's compiled SQL ("ics_baseline"."staging"...)
            shutil.copy2(inputs, bare / "ics_baseline.duckdb")
            started = time.perf_counter()
            proc = subprocess.run(
                [sys.executable, __file__, "--child", str(work)],
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=False,
            )
            wall = time.perf_counter() - started
            if proc.returncode != 0:
                raise SystemExit(f"bare SQL run failed:\n{proc.stderr[-3000:]}")
            run = json.loads(proc.stdout.strip().splitlines()[-1])
            run["wall_seconds"] = round(wall, 2)
            runs.append(run)
            if len(builds) < args.build_runs:
                builds.append(orchestrated_build(args.snapshot.resolve()))
        while len(builds) < args.build_runs:
            builds.append(orchestrated_build(args.snapshot.resolve()))
        tables = [m["relation"] for m in job["models"] if m["kind"] == "table"]
        mismatches = verify_against_build(work / "bare" / "ics_baseline.duckdb", build_db, tables)

    bare_seconds = statistics.median(r["seconds"] for r in runs)
    if builds:
        build_source = f"{len(builds)} cold build(s) in this run"
        build_seconds = statistics.median(b["seconds"] for b in builds)
        median_build = sorted(builds, key=lambda b: b["seconds"])[(len(builds) - 1) // 2]
        breakdown, dbt = median_build["steps"], median_build["dbt"]
    else:
        build_json = ROOT / "bench" / "results" / "build.json"
        build_source = "bench/results/build.json (breakdowns from the last build in warehouse/)"
        build_seconds = json.loads(build_json.read_text())["median_seconds"] if build_json.exists() else None
        breakdown, dbt = orchestrated_breakdown(args.events_log), dbt_breakdown(newest_run_results())
    dbt_seconds = breakdown["seconds_by_kind"].get("dbt_build") if breakdown else None
    ratio = round(build_seconds / bare_seconds, 2) if build_seconds else None
    result = {
        "benchmark": "bare_sql_vs_orchestrated",
        "recorded_at": datetime.now(UTC).isoformat(),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "notes": args.notes,
        "runs": runs,
        "median_bare_sql_seconds": bare_seconds,
        "tables_checked_against_build": len(tables),
        "row_count_mismatches": mismatches,
        "orchestrated_cold_build_median_seconds": build_seconds,
        "orchestrated_cold_build_from": build_source,
        "orchestrated_builds": builds,
        "orchestrated_build_steps_seconds": breakdown,
        "dbt_build_breakdown": dbt,
        "ratio_cold_build_to_bare_sql": ratio,
        "ratio_dbt_step_to_bare_sql": round(dbt_seconds / bare_seconds, 2) if dbt_seconds else None,
        "target_ratio": TARGET_RATIO,
        "target_met": ratio is not None and ratio <= TARGET_RATIO,
    }
    out = ROOT / "bench" / "results" / "bare_sql.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

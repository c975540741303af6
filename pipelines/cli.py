"""`ics-baseline`: run the whole build in process, from the command line.

    ics-baseline build --snapshot ../shared/snapshot --warehouse warehouse

Exit status 0 means a new release was published; 1 means something (a fetch, a parse, a dbt model or test, or a
data-quality check) blocked publication, and the previous release is untouched; 2 means bad usage or config.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import logging
import os
import sys
import uuid
from pathlib import Path

EXIT_OK, EXIT_BLOCKED, EXIT_USAGE = 0, 1, 2


def _configure_environment(args: argparse.Namespace) -> None:
    # Settings are read from the environment in one place (pipelines.settings); the CLI only sets it.
    if getattr(args, "warehouse", None):
        os.environ["ICS_BASELINE_WAREHOUSE_DIR"] = str(Path(args.warehouse).resolve())
    if getattr(args, "snapshot", None):
        os.environ["ICS_BASELINE_SNAPSHOT_DIR"] = str(Path(args.snapshot).resolve())
    if getattr(args, "sources", None):
        os.environ["ICS_BASELINE_SOURCES_FILE"] = str(Path(args.sources).resolve())
    if getattr(args, "areas_registry", None):
        os.environ["ICS_BASELINE_AREAS_FILE"] = str(Path(args.areas_registry).resolve())
    if getattr(args, "live", False):
        os.environ["ICS_BASELINE_FETCH_MODE"] = "live"
    if getattr(args, "areas", None):
        os.environ["ICS_BASELINE_CUSTOM_AREAS_FILE"] = str(Path(args.areas).resolve())
    if getattr(args, "accept_revisions", None):
        os.environ["ICS_BASELINE_ACCEPT_REVISIONS"] = ",".join(args.accept_revisions)


def run_build(
    verbose: bool = False, changed_sources: tuple[str, ...] = (), run_id: str | None = None
) -> tuple[bool, list[str]]:
    """Materialise every asset in process, or only `changed_sources` and what depends on them.

    Returns (published, problems)."""
    import dagster as dg

    from pipelines.assembly import build_definitions
    from pipelines.defs.schedules import BUILD_JOB_NAME
    from pipelines.progress import BuildEventHandler, open_events_log, progress_logger_def
    from pipelines.settings import get_settings

    settings = get_settings()
    defs = build_definitions(settings)
    instance = dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else dg.DagsterInstance.ephemeral()
    # dbt's progress lines are written to stdout by dagster-dbt; keep them in a log file unless asked for.
    log_dir = settings.warehouse_dir / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    log_file = log_dir / "last_build.log"
    with (
        open_events_log(log_dir) as events,
        log_file.open("w", encoding="utf-8") as log,
        contextlib.ExitStack() as stack,
    ):
        handler = BuildEventHandler(events, total_steps=None, show_bar=sys.stderr.isatty() and not verbose)
        stack.callback(handler.close)
        loggers = {"console": dg.colored_console_logger, "build_progress": progress_logger_def(handler)}
        job = dg.Definitions.merge(defs, dg.Definitions(loggers=loggers)).resolve_job_def(BUILD_JOB_NAME)
        handler.bar.total = len(job.graph.nodes)
        run_config = {
            "loggers": {
                "console": {"config": {"log_level": "DEBUG" if verbose else "WARNING"}},
                "build_progress": {},
            }
        }
        selection = None
        if changed_sources:
            raw_keys = [dg.AssetKey(["raw", source_id]) for source_id in changed_sources]
            selection = list(dg.AssetSelection.assets(*raw_keys).downstream().resolve(defs.resolve_asset_graph()))
            handler.bar.total = None  # a subset has fewer steps than the whole job
        if not verbose:
            stack.enter_context(contextlib.redirect_stdout(log))
        result = job.execute_in_process(
            instance=instance, raise_on_error=False, run_config=run_config, asset_selection=selection, run_id=run_id
        )
    return result.success, describe_problems(result)


def describe_problems(result) -> list[str]:
    """Readable lines for every failed step and failed check in an execute_in_process result."""
    problems: list[str] = []
    for event in result.all_events:
        if event.is_step_failure:
            # Dagster wraps the real error; the innermost cause is the one that names source, file and column.
            error = event.step_failure_data.error
            while error is not None and error.cause is not None:
                error = error.cause
            message = error.message.strip() if error else "unknown error"
            problems.append(f"step {event.step_key} failed: {message}")
        elif event.event_type_value == "ASSET_CHECK_EVALUATION":
            evaluation = event.event_specific_data
            if not evaluation.passed:
                level = "blocking" if evaluation.severity.value == "ERROR" else "warning"
                problems.append(
                    f"check {evaluation.asset_key.to_user_string()} / {evaluation.check_name} failed ({level}): "
                    f"{evaluation.description or ''}"
                )
    skipped = [e.step_key for e in result.all_events if e.event_type_value == "STEP_SKIPPED"]
    if skipped:
        problems.append(f"not run because an upstream step or blocking check failed: {', '.join(skipped)}")
    return problems


def _plan(settings, force: bool):
    from pipelines.incremental import code_fingerprint, plan_build, snapshot_input_hashes
    from pipelines.registry import load_registry
    from pipelines.release import latest_release

    registry = load_registry(settings.sources_file)
    inputs = snapshot_input_hashes(settings, registry) if settings.fetch_mode == "snapshot" else {}
    latest = latest_release(settings.releases_dir)
    fingerprint = code_fingerprint(registries=(settings.sources_file, settings.areas_file))
    return plan_build(settings, fingerprint, inputs, latest.name if latest else None, force=force)


def precheck_custom_areas(settings) -> str | None:
    """The custom areas file checked before anything runs, so a bad one fails in a second: its form always, and its
    LSOA codes against the registered lookup where an earlier build loaded it (the raw/custom_areas asset checks
    them again against this build's lookup before any model runs). Returns the refusal, or None."""
    import duckdb

    from pipelines.areas import load_areas
    from pipelines.custom_areas import LSOA21_LOOKUP_SOURCE, CustomAreasError, read_custom_areas

    known = None
    if settings.build_database.is_file():
        try:
            with duckdb.connect(str(settings.build_database), read_only=True) as con:
                known = {c for (c,) in con.execute(f"select lsoa21_code from raw.{LSOA21_LOOKUP_SOURCE}").fetchall()}
        except duckdb.Error:  # not loaded yet, or the database is busy: the raw asset checks them
            known = None
    try:
        read_custom_areas(settings.custom_areas_file, load_areas(settings.areas_file).area_types, known)
    except CustomAreasError as exc:
        return str(exc)
    return None


def cmd_build(args: argparse.Namespace) -> int:
    from pipelines.incremental import record_resumable_run
    from pipelines.registry import load_registry
    from pipelines.release import latest_release
    from pipelines.revisions import ACCEPT_ALL
    from pipelines.settings import get_settings

    settings = get_settings()
    if settings.fetch_mode == "snapshot" and not settings.snapshot_dir.is_dir():
        print(f"snapshot directory not found: {settings.snapshot_dir}", file=sys.stderr)
        return EXIT_USAGE
    unknown = settings.accept_revisions - {s.id for s in load_registry(settings.sources_file).sources} - {ACCEPT_ALL}
    if unknown:
        print(f"--accept-revisions: no source {', '.join(sorted(unknown))} in the registry", file=sys.stderr)
        return EXIT_USAGE
    if settings.custom_areas_file is not None:
        problem = precheck_custom_areas(settings)
        if problem:
            print(f"publication blocked: {problem}", file=sys.stderr)
            latest = latest_release(settings.releases_dir)
            if latest:
                print(f"the previous release is unchanged: {latest}", file=sys.stderr)
            return EXIT_BLOCKED
    origin = settings.snapshot_dir if settings.fetch_mode == "snapshot" else "publishers"
    print(f"building from {settings.fetch_mode} ({origin})")
    print(f"warehouse: {settings.warehouse_dir} (dbt log: {settings.warehouse_dir / 'logs' / 'last_build.log'})")
    plan = _plan(settings, force=args.force)
    if plan.kind == "nothing":
        print(f"nothing to do: {plan.reason} (--force rebuilds anyway)")
        return EXIT_OK
    run_id = str(uuid.uuid4())
    if plan.kind == "sources":
        print(f"rebuilding {', '.join(plan.changed_sources)} and what depends on them ({plan.reason})")
        record_resumable_run(settings, run_id, plan.changed_sources)
    else:
        print(f"full build: {plan.reason}")
    published, problems = run_build(verbose=args.verbose, changed_sources=plan.changed_sources, run_id=run_id)
    latest = latest_release(settings.releases_dir)
    if published:
        print(f"published release {latest.name if latest else '?'}: {latest}")
        for line in problems:  # warnings only, on success
            print(f"  note: {line}")
        return EXIT_OK
    print("publication blocked:", file=sys.stderr)
    for line in problems:
        print(f"  - {line}", file=sys.stderr)
    if latest:
        print(f"the previous release is unchanged: {latest}", file=sys.stderr)
    return EXIT_BLOCKED


def cmd_pack(args: argparse.Namespace) -> int:
    """Regenerate one ICB's pack (workbook, report, CSV), or with --area any other area's, from a release."""
    from pipelines.operations import resolve_release
    from pipelines.packs.build import write_pack
    from pipelines.packs.data import ReleaseData
    from pipelines.release import latest_release
    from pipelines.settings import get_settings

    settings = get_settings()
    # an unknown release id is an OperationError, a usage error (main)
    release = (
        resolve_release(settings.releases_dir, args.release) if args.release else latest_release(settings.releases_dir)
    )
    if release is None or not release.is_dir():
        print(f"no published release in {settings.releases_dir}; run `ics-baseline build` first", file=sys.stderr)
        return EXIT_USAGE
    out = Path(args.out).resolve()
    if args.area:
        return _write_area_pack(release, args.area.strip(), args.area_type, out)
    data = ReleaseData(release)
    code = args.icb.strip().upper()
    vintages = [args.vintage.upper()] if args.vintage else sorted(v for c, v in data.icb_keys() if c == code)
    if not vintages:
        print(f"ICB {code} is not in release {data.release_id}", file=sys.stderr)
        return EXIT_USAGE
    for vintage in vintages:
        try:
            pack = data.pack(code, vintage)
        except KeyError as exc:
            print(f"error: {exc.args[0]}", file=sys.stderr)
            return EXIT_USAGE
        written = write_pack(pack, data.indicators, out)
        for kind, path in written.items():
            if path is not None:
                print(f"{kind}: {path}")
    return EXIT_OK


def _write_area_pack(release: Path, code: str, area_type: str | None, out: Path) -> int:
    """One area's workbook and report, by the writers of the ICB packs, under out/<vintage>/."""
    from pipelines.packs.build import write_pack
    from pipelines.packs.data import area_pack

    try:
        pack = area_pack(release, code, area_type)
    except KeyError as exc:
        print(f"error: {exc.args[0]}", file=sys.stderr)
        return EXIT_USAGE
    for kind, path in write_pack(pack, pack.indicators, out).items():
        if path is not None:
            print(f"{kind}: {path}")
    return EXIT_OK


def _console():
    from rich.console import Console

    # rich drops colour and box-drawing niceties by itself when stdout is not a terminal
    return Console(soft_wrap=False, width=None if sys.stdout.isatty() else 200)


def _table(title: str, columns: list[str], rows: list[list[object]]):
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for i, column in enumerate(columns):
        # the first column is an identifier someone will copy: never fold it
        table.add_column(column, overflow="fold", no_wrap=i == 0)
    for row in rows:
        table.add_row(*["" if value is None else str(value) for value in row])
    return table


def cmd_status(args: argparse.Namespace) -> int:
    from pipelines.freshness import FRESHNESS_STATES
    from pipelines.operations import release_status
    from pipelines.registry import load_registry
    from pipelines.settings import get_settings

    settings = get_settings()
    status = release_status(settings.releases_dir, load_registry(settings.sources_file), today=settings.today)
    if args.json:
        print(json.dumps(status, indent=2, default=str))
        return EXIT_OK
    console = _console()
    commit = (status["code_version"] or {}).get("git_commit") or "unknown"
    console.print(f"latest release [bold]{status['release']}[/bold] ({status['created_at']}, {status['fetch_mode']})")
    console.print(f"  {status['path']}; {status['releases']} releases kept; code {commit[:12]}")
    console.print(f"  checks: {status['checks']['passed']} of {status['checks']['evaluated']} passed")
    for check in status["failed_checks"]:
        console.print(f"  [yellow]failed ({check['severity'].lower()})[/yellow] {check['asset']} / {check['check']}")
    revisions = status.get("revisions")
    if revisions and revisions.get("previous_release"):
        revised = [r for r in revisions["sources"] if r["figures_revised"]]
        console.print(
            f"  revisions since {revisions['previous_release']}: {len(revised)} sources with figures moved more than"
            f" {revisions['tolerance']:.2%} (publication is held above {revisions['hold_share']:.0%} of a source)"
        )
        rows = [
            [
                r["source_id"],
                r["figures_revised"],
                r["figures_compared"],
                f"{r['share_revised']:.1%}",
                "" if r["median_relative_revision"] is None else f"{r['median_relative_revision']:.3%}",
                "" if r["max_relative_revision"] is None else f"{r['max_relative_revision']:.3%}",
                "accepted" if r["accepted"] else "",
            ]
            for r in revised
        ]
        if rows:
            columns = ["source", "revised", "compared", "share", "median revision", "largest", "hold"]
            console.print(_table("revisions against the previous release", columns, rows))
    sources = status["sources"]
    rows = [
        [
            s["source_id"],
            s["cadence"],
            s["latest_period"] or "-",
            s["released_on"] or "-",
            s["retrieved_at"],
            s["age_days"],
            s["state"],
            s["data_freshness"],
            s["data_freshness_reason"] if s["data_freshness"] != "current" else s["note"],
        ]
        for s in sources
    ]
    console.print(
        _table(
            f"sources (data judged on {status['data_assessed_on']})",
            ["source", "cadence", "data period", "released", "retrieved", "age (days)", "fetch", "data", "note"],
            rows,
        )
    )
    not_fresh = [s for s in sources if s["state"] != "fresh"]
    console.print(f"{len(sources) - len(not_fresh)} of {len(sources)} sources fetched on time")
    counts = {state: sum(1 for s in sources if s["data_freshness"] == state) for state in FRESHNESS_STATES}
    console.print("data: " + ", ".join(f"{n} {state}" for state, n in counts.items()))
    return EXIT_OK


def cmd_sources(args: argparse.Namespace) -> int:
    import requests

    from pipelines.fetch import HttpPolicy
    from pipelines.operations import probe_source
    from pipelines.registry import load_registry
    from pipelines.settings import get_settings

    settings = get_settings()
    registry = load_registry(settings.sources_file)  # a malformed registry is a usage error (exit 2)
    console = _console()
    if args.action == "list":
        rows = [
            [s.id, s.publisher, str(s.cadence), s.live.kind, s.next_release or "", s.snapshot_path]
            for s in registry.sources
        ]
        console.print(
            _table(
                f"{len(rows)} sources in {settings.sources_file}",
                ["source", "publisher", "cadence", "live kind", "next release", "snapshot path"],
                rows,
            )
        )
        return EXIT_OK
    console.print(f"{settings.sources_file}: valid ({len(registry.sources)} sources)")
    missing = [s.id for s in registry.sources if not (settings.snapshot_dir / s.snapshot_path).is_file()]
    if missing:
        console.print(f"[yellow]not in the snapshot mirror {settings.snapshot_dir}:[/yellow] {', '.join(missing)}")
    if args.offline:
        return EXIT_BLOCKED if missing else EXIT_OK
    policy = HttpPolicy(allowed_hosts=registry.allowed_hosts, allow_loopback_http=settings.allow_loopback_http)
    selected = [s for s in registry.sources if not args.source or s.id in args.source]
    unknown = sorted(set(args.source or ()) - {s.id for s in registry.sources})
    if unknown:
        console.print(f"[red]no such source in {settings.sources_file}:[/red] {', '.join(unknown)}")
        return EXIT_USAGE
    if args.live:
        # A dry run retries once, not three times: an unreachable publisher should not hold the table for minutes.
        dry_run = dataclasses.replace(policy, attempts=2, connect_timeout=args.timeout)
        return _check_live_layouts(console, selected, dry_run)
    with requests.Session() as session:
        results = [probe_source(source, policy, session, timeout=args.timeout) for source in selected]
    rows = [[r.source_id, "ok" if r.ok else "FAILED", f"{r.seconds:.1f}s", r.detail] for r in results]
    console.print(_table("live endpoints", ["source", "probe", "time", "detail"], rows))
    failed = [r for r in results if not r.ok]
    console.print(f"{len(results) - len(failed)} of {len(results)} endpoints answered")
    return EXIT_BLOCKED if failed or missing else EXIT_OK


def _check_live_layouts(console, selected: list, policy) -> int:
    """`sources check --live`: each source's live adapter fetches the start of what its publisher serves, which is
    read with the registry's live layout; a changed layout is named with the column that no longer matches."""
    import tempfile

    from pipelines.fetch import Fetcher
    from pipelines.operations import PREVIEW_BYTES, check_live_layout

    with tempfile.TemporaryDirectory(prefix="ics-baseline-check-") as landing:
        fetcher = Fetcher(Path(landing), "live", policy=policy, preview_bytes=PREVIEW_BYTES)
        results = [check_live_layout(source, fetcher) for source in selected]
    rows = [
        [r.source_id, r.kind, r.publisher_format, "loads" if r.loads else "FAILED", f"{r.rows_read:,}", r.detail]
        for r in results
    ]
    console.print(
        _table("what a live build would load", ["source", "live kind", "format", "layout", "rows read", "detail"], rows)
    )
    failed = [r for r in results if not r.loads]
    for result in failed:  # whole, unwrapped: the message names the source, file and column
        console.print(f"FAILED {result.detail}", soft_wrap=True, markup=False)
    console.print(f"{len(results) - len(failed)} of {len(results)} sources would load")
    return EXIT_BLOCKED if failed else EXIT_OK


def cmd_diff(args: argparse.Namespace) -> int:
    from pipelines.operations import resolve_release
    from pipelines.packs.diff import compare_releases
    from pipelines.settings import get_settings

    settings = get_settings()
    old = resolve_release(settings.releases_dir, args.release_a)
    new = resolve_release(settings.releases_dir, args.release_b)
    changes = compare_releases(new, old)
    if args.json:
        print(json.dumps(changes, indent=2, default=str))
        return EXIT_OK
    console = _console()
    console.print(f"{old.name} -> {new.name}")
    console.print(f"  indicators added: {', '.join(changes['indicators_added']) or 'none'}")
    console.print(f"  indicators dropped: {', '.join(changes['indicators_dropped']) or 'none'}")
    console.print(
        f"  figures added {changes['figures_added']}, dropped {changes['figures_dropped']}, "
        f"revised {changes['figures_revised']}"
    )
    rows = [
        [
            r["indicator_id"],
            r["figures_added"],
            r["figures_dropped"],
            r["figures_revised"],
            "" if r["max_relative_revision"] is None else f"{100 * r['max_relative_revision']:.3g}%",
        ]
        for r in changes["by_indicator"]
    ]
    if rows:
        console.print(_table("by indicator", ["indicator", "added", "dropped", "revised", "largest revision"], rows))
    return EXIT_OK


def cmd_query(args: argparse.Namespace) -> int:
    import csv

    from pipelines.operations import resolve_release, run_query
    from pipelines.settings import WAREHOUSE_FILE_NAME, get_settings

    settings = get_settings()
    release = resolve_release(settings.releases_dir, args.release)
    sql = sys.stdin.read() if args.sql == "-" else args.sql
    columns, rows = run_query(release / WAREHOUSE_FILE_NAME, sql)
    output = args.format or ("table" if sys.stdout.isatty() else "csv")
    if output == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)
    elif output == "json":
        print(json.dumps([dict(zip(columns, row, strict=True)) for row in rows], indent=2, default=str))
    else:
        _console().print(_table(f"{len(rows)} rows from release {release.name}", columns, [list(r) for r in rows]))
    return EXIT_OK


def cmd_releases_prune(args: argparse.Namespace) -> int:
    from pipelines.release import prune_releases
    from pipelines.settings import get_settings

    settings = get_settings()
    result = prune_releases(settings.releases_dir, args.keep, dry_run=args.dry_run)
    if args.json:
        print(json.dumps({"dry_run": args.dry_run, **vars(result)}, indent=2))
        return EXIT_OK
    verb = "would delete" if args.dry_run else "deleted"
    for name in result.removed:
        print(f"{verb} {settings.releases_dir / name}")
    print(
        f"{len(result.removed)} releases {verb}, {len(result.kept)} kept in {settings.releases_dir}"
        f" (latest: {result.latest or 'none'})"
    )
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ics-baseline",
        description="Build and publish the social and economic baseline of every NHS integrated care system.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug detail")
    sub = parser.add_subparsers(dest="command", required=True)

    build = sub.add_parser("build", help="fetch, transform, check and publish a release (all in process)")
    build.add_argument("--snapshot", help="snapshot mirror of publisher files (default ../shared/snapshot)")
    build.add_argument("--warehouse", default="warehouse", help="warehouse directory (default ./warehouse)")
    build.add_argument("--sources", help="registry of inputs (default ./sources.yaml)")
    build.add_argument("--areas-registry", help="registry of area types and boundary vintages (default ./areas.yaml)")
    build.add_argument("--live", action="store_true", help="download from publishers instead of the snapshot")
    build.add_argument(
        "--force", action="store_true", help="rebuild everything even if nothing changed since the last release"
    )
    build.add_argument(
        "--accept-revisions",
        action="append",
        metavar="SOURCE_ID",
        help="publish even though most of this source's figures moved since the previous release (repeatable;"
        " 'all' accepts every source); recorded in the manifest",
    )
    build.add_argument(
        "--areas",
        metavar="FILE",
        help="CSV of custom areas (area_set, area_code, area_name, lsoa21_code): each set is built as an area type"
        " beside the registry's (README, 'Custom areas')",
    )
    build.set_defaults(func=cmd_build)

    pack = sub.add_parser("pack", help="regenerate one ICB's (or any other area's) baseline pack from a release")
    which = pack.add_mutually_exclusive_group(required=True)
    which.add_argument("--icb", help="ICB code, e.g. E54000057")
    which.add_argument(
        "--area",
        metavar="CODE",
        help="code of any other area of the release's `areas` table: a custom area (build --areas), a place, an"
        " MSOA...; its pack is written from area_indicator_comparisons",
    )
    pack.add_argument("--area-type", help="with --area: the area type, where the code names areas of more than one")
    pack.add_argument(
        "--vintage",
        help="boundary vintage, e.g. ICB24, of any in the release, with packs or not (default: every vintage the"
        " ICB exists in)",
    )
    pack.add_argument("--out", default="packs", help="output directory (default ./packs)")
    pack.add_argument("--release", help="release id or directory (default: the latest release)")
    pack.add_argument("--warehouse", default="warehouse", help="warehouse directory (default ./warehouse)")
    pack.set_defaults(func=cmd_pack)

    status = sub.add_parser("status", help="the latest release, per-source freshness and failed checks")
    status.add_argument("--warehouse", default="warehouse", help="warehouse directory (default ./warehouse)")
    status.add_argument("--sources", help="registry of inputs (default ./sources.yaml)")
    status.add_argument("--json", action="store_true", help="print JSON instead of tables")
    status.set_defaults(func=cmd_status)

    sources = sub.add_parser("sources", help="list the registry, or validate it and probe the live endpoints")
    sources.add_argument("action", choices=["list", "check"])
    sources.add_argument("--sources", help="registry of inputs (default ./sources.yaml)")
    sources.add_argument("--snapshot", help="snapshot mirror to check for every source's file")
    sources.add_argument("--offline", action="store_true", help="check: validate only, do not contact publishers")
    sources.add_argument("--source", action="append", help="check: probe only this source (repeatable)")
    sources.add_argument("--timeout", type=float, default=15.0, help="check: seconds per probe (default 15)")
    sources.add_argument(
        "--live",
        action="store_true",
        help="check: fetch the start of each publisher's file (or its first page) through the live adapter and"
        " read it with the registry's layout: format, sheet and required columns",
    )
    sources.set_defaults(func=cmd_sources)

    diff = sub.add_parser("diff", help="what changed between two releases (ids, paths or 'latest')")
    diff.add_argument("release_a", help="the earlier release")
    diff.add_argument("release_b", help="the later release")
    diff.add_argument("--warehouse", default="warehouse", help="warehouse directory (default ./warehouse)")
    diff.add_argument("--json", action="store_true", help="print JSON instead of tables")
    diff.set_defaults(func=cmd_diff)

    query = sub.add_parser("query", help="run SQL read-only against the latest release ('-' reads stdin)")
    query.add_argument("sql")
    query.add_argument("--warehouse", default="warehouse", help="warehouse directory (default ./warehouse)")
    query.add_argument("--release", default="latest", help="release id or path (default latest)")
    query.add_argument("--format", choices=["table", "csv", "json"], help="default: table on a terminal, else csv")
    query.set_defaults(func=cmd_query)

    releases = sub.add_parser("releases", help="manage published releases (retention)")
    releases_sub = releases.add_subparsers(dest="releases_command", required=True)
    prune = releases_sub.add_parser(
        "prune", help="delete the oldest releases beyond the newest N; never `latest` or a release being written"
    )
    prune.add_argument("--keep", type=int, required=True, help="how many of the newest releases to keep (at least 1)")
    prune.add_argument("--dry-run", action="store_true", help="list what would be deleted and delete nothing")
    prune.add_argument("--warehouse", default="warehouse", help="warehouse directory (default ./warehouse)")
    prune.add_argument("--json", action="store_true", help="print JSON instead of text")
    prune.set_defaults(func=cmd_releases_prune)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    level = logging.DEBUG if args.verbose else logging.WARNING
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    # Libraries (GX, dbt) set their own logger levels; filter at the handler so only what was asked for prints.
    for handler in logging.getLogger().handlers:
        handler.setLevel(level)
    _configure_environment(args)
    try:
        return args.func(args)
    except Exception as exc:  # configuration errors (bad sources.yaml, bad suite file) are usage errors
        from pipelines.defs.quality.gx_adapter import SuiteFileError
        from pipelines.operations import OperationError
        from pipelines.registry import RegistryError

        if isinstance(exc, (RegistryError, SuiteFileError, ValueError, OperationError)):
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_USAGE
        raise


if __name__ == "__main__":
    sys.exit(main())

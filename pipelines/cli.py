"""`ics-baseline`: run the whole build in process, from the command line.

    ics-baseline build --snapshot ../shared/snapshot --warehouse warehouse

Exit status 0 means a new release was published; 1 means something (a fetch, a parse, a dbt model or test, or a
data-quality check) blocked publication, and the previous release is untouched; 2 means bad usage or config.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
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
    if getattr(args, "live", False):
        os.environ["ICS_BASELINE_FETCH_MODE"] = "live"


def run_build(verbose: bool = False) -> tuple[bool, list[str]]:
    """Materialise every asset in process. Returns (published, problems)."""
    import dagster as dg

    from pipelines.assembly import build_definitions
    from pipelines.defs.schedules import BUILD_JOB_NAME
    from pipelines.settings import get_settings

    settings = get_settings()
    defs = build_definitions(settings)
    job = defs.resolve_job_def(BUILD_JOB_NAME)
    instance = dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else dg.DagsterInstance.ephemeral()
    run_config = {"loggers": {"console": {"config": {"log_level": "DEBUG" if verbose else "WARNING"}}}}
    # dbt's progress lines are written to stdout by dagster-dbt; keep them in a log file unless asked for.
    log_dir = settings.warehouse_dir / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    log_file = log_dir / "last_build.log"
    with log_file.open("w", encoding="utf-8") as log, contextlib.ExitStack() as stack:
        if not verbose:
            stack.enter_context(contextlib.redirect_stdout(log))
        result = job.execute_in_process(instance=instance, raise_on_error=False, run_config=run_config)
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


def cmd_build(args: argparse.Namespace) -> int:
    from pipelines.release import latest_release
    from pipelines.settings import get_settings

    settings = get_settings()
    if settings.fetch_mode == "snapshot" and not settings.snapshot_dir.is_dir():
        print(f"snapshot directory not found: {settings.snapshot_dir}", file=sys.stderr)
        return EXIT_USAGE
    origin = settings.snapshot_dir if settings.fetch_mode == "snapshot" else "publishers"
    print(f"building from {settings.fetch_mode} ({origin})")
    print(f"warehouse: {settings.warehouse_dir} (dbt log: {settings.warehouse_dir / 'logs' / 'last_build.log'})")
    published, problems = run_build(verbose=args.verbose)
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
    """Regenerate one ICB's pack (workbook, report, CSV) from the latest release, into --out."""
    from pipelines.packs.build import write_pack
    from pipelines.packs.data import ReleaseData
    from pipelines.release import latest_release
    from pipelines.settings import get_settings

    settings = get_settings()
    release = Path(args.release).resolve() if args.release else latest_release(settings.releases_dir)
    if release is None or not release.is_dir():
        print(f"no published release in {settings.releases_dir}; run `ics-baseline build` first", file=sys.stderr)
        return EXIT_USAGE
    data = ReleaseData(release)
    code = args.icb.strip().upper()
    vintages = [args.vintage.upper()] if args.vintage else sorted(v for c, v in data.icb_keys() if c == code)
    if not vintages:
        print(f"ICB {code} is not in release {data.release_id}", file=sys.stderr)
        return EXIT_USAGE
    out = Path(args.out).resolve()
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
    build.add_argument("--live", action="store_true", help="download from publishers instead of the snapshot")
    build.set_defaults(func=cmd_build)

    pack = sub.add_parser("pack", help="regenerate one ICB's baseline pack from the latest release")
    pack.add_argument("--icb", required=True, help="ICB code, e.g. E54000057")
    pack.add_argument(
        "--vintage",
        choices=["ICB22", "ICB24", "ICB26", "icb22", "icb24", "icb26"],
        help="boundary vintage (default: every vintage the ICB exists in)",
    )
    pack.add_argument("--out", default="packs", help="output directory (default ./packs)")
    pack.add_argument("--release", help="release directory (default: the latest release)")
    pack.add_argument("--warehouse", default="warehouse", help="warehouse directory (default ./warehouse)")
    pack.set_defaults(func=cmd_pack)
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
        from pipelines.registry import RegistryError

        if isinstance(exc, (RegistryError, SuiteFileError, ValueError)):
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_USAGE
        raise


if __name__ == "__main__":
    sys.exit(main())

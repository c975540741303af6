"""Shared fixtures. The end-to-end fixtures run the real build (`ics-baseline build`) on ../shared/snapshot."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from filelock import FileLock

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT_DIR = (PROJECT_ROOT.parent / "shared" / "snapshot").resolve()


def cli_command(*args: str) -> list[str]:
    """`ics-baseline ARGS` with this interpreter, for a subprocess (run_cli, or Popen where a test watches it)."""
    return [sys.executable, "-m", "pipelines.cli", *args]


def cli_env(env: dict[str, str] | None = None) -> dict[str, str]:
    """This environment without any ICS_BASELINE_ setting (the test's own choices leak into no build), plus `env`."""
    return {k: v for k, v in os.environ.items() if not k.startswith("ICS_BASELINE_")} | (env or {})


def run_cli(*args: str, env: dict[str, str] | None = None, timeout: int = 600) -> subprocess.CompletedProcess:
    """Run `ics-baseline` in a subprocess, as a user would, so environment and DuckDB state never leak."""
    return subprocess.run(
        cli_command(*args),
        cwd=PROJECT_ROOT,
        env=cli_env(env),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture(scope="session")
def snapshot_dir() -> Path:
    if not SNAPSHOT_DIR.is_dir():
        pytest.fail(f"the shared snapshot is missing: {SNAPSHOT_DIR}")
    return SNAPSHOT_DIR


@pytest.fixture(scope="session")
def built_warehouse(tmp_path_factory, snapshot_dir, worker_id) -> Path:
    """A warehouse built once per test run from the full snapshot by the real CLI.

    Under pytest-xdist every worker has its own session: the first worker to need the warehouse builds it into the
    run's shared temporary directory while holding a lock, and the others wait for it and reuse it (a failed build
    is recorded, so every worker fails with its output instead of building again). Tests never write to it: those
    that rebuild copy it first. ICS_BASELINE_TEST_WAREHOUSE names a published build to reuse instead."""
    reuse = os.environ.get("ICS_BASELINE_TEST_WAREHOUSE")
    if reuse:  # a developer's published build of this code, reused while iterating on tests (never set by CI)
        warehouse = Path(reuse).resolve()
        if not (warehouse / "releases" / "latest").exists():
            pytest.fail(f"ICS_BASELINE_TEST_WAREHOUSE={reuse} holds no published release")
        return warehouse
    if worker_id == "master":  # not distributed (-n 0 or -p no:xdist)
        return _build_warehouse(tmp_path_factory.mktemp("warehouse"), snapshot_dir)
    shared = tmp_path_factory.getbasetemp().parent
    warehouse, failure = shared / "built_warehouse", shared / "built_warehouse.failed"
    with FileLock(str(shared / "built_warehouse.lock")):
        if failure.exists():
            pytest.fail(failure.read_text(encoding="utf-8"))
        if not (warehouse / "releases" / "latest").exists():
            warehouse.mkdir(exist_ok=True)
            try:
                _build_warehouse(warehouse, snapshot_dir)
            except pytest.fail.Exception as exc:
                failure.write_text(str(exc), encoding="utf-8")
                raise
    return warehouse


@pytest.fixture(scope="module")
def published(built_warehouse: Path):
    """A read-only connection to the session build's latest release."""
    con = duckdb.connect(str(built_warehouse / "releases" / "latest" / "ics_baseline.duckdb"), read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="module")
def build(built_warehouse: Path):
    """A read-only connection to the session build's database (staging and intermediate models too)."""
    con = duckdb.connect(str(built_warehouse / "build" / "ics_baseline.duckdb"), read_only=True)
    yield con
    con.close()


def run_live_build(sources_file: Path, warehouse: Path, timeout: int = 1200) -> subprocess.CompletedProcess:
    """`ics-baseline build --live` against a local server named in `sources_file` (loopback http allowed)."""
    return run_cli(
        "build",
        "--live",
        "--sources",
        str(sources_file),
        "--warehouse",
        str(warehouse),
        env={"ICS_BASELINE_ALLOW_LOOPBACK_HTTP": "1"},
        timeout=timeout,
    )


def _build_warehouse(warehouse: Path, snapshot_dir: Path) -> Path:
    result = run_cli("build", "--snapshot", str(snapshot_dir), "--warehouse", str(warehouse))
    if result.returncode != 0:
        pytest.fail(f"build failed ({result.returncode}):\n{result.stdout[-4000:]}\n{result.stderr[-8000:]}")
    return warehouse


# The modules that run builds of their own, longest first. Two workers share the run (pyproject.toml: -n 2 --dist
# loadscope, one module per worker at a time, in the order below): the first module makes the session's snapshot
# build while the other worker runs the modules that need no build and then the custom areas module, whose full
# build (the future vintage and the custom areas, tests/test_custom_areas_e2e.py) needs no session build; then the
# long rebuilds start, so the two workers finish together instead of one waiting on a long module started last.
REBUILDING_MODULES = [
    "test_custom_areas_e2e.py",
    "test_live_publisher_mirror.py",
    "test_incremental_e2e.py",
    "test_revisions.py",
    "test_bad_input_blocks_publication.py",
    "test_series_breaks.py",
]


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Every test that needs the snapshot build is an end-to-end test, whatever its module says, so that
    `pytest -m "not e2e"` is the quick loop (it runs before `-m` deselects); then the order above."""
    e2e_modules = set()
    for item in items:
        if "built_warehouse" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.e2e)
        if item.get_closest_marker("e2e"):
            e2e_modules.add(item.path.name)

    # xdist queues two modules per worker at the start: the worker making the session build gets the first and
    # the third, so the third is the smallest module that needs no build and the other worker takes the rest.
    no_build = [i for i in items if i.path.name not in e2e_modules]
    light = min(no_build, key=lambda i: _module_size(items, i), default=None)

    def rank(item) -> int:
        name = item.path.name
        if name == REBUILDING_MODULES[0]:
            return 0
        if name not in e2e_modules:
            return 1
        if name in REBUILDING_MODULES:
            return 3 + REBUILDING_MODULES.index(name)
        return 3 + len(REBUILDING_MODULES)

    items.sort(key=rank)  # stable: tests keep their order within a module
    if light is not None:  # third module in the run: after the first module that needs no build
        moved = [i for i in items if i.path == light.path]
        rest = [i for i in items if i.path != light.path]
        modules = list(dict.fromkeys(i.path for i in rest))
        if len(modules) > 2:
            at = next(n for n, i in enumerate(rest) if i.path == modules[2])
            items[:] = rest[:at] + moved + rest[at:]


def _module_size(items, item) -> int:
    return sum(1 for other in items if other.path == item.path)

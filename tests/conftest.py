"""Shared fixtures. The end-to-end fixtures run the real build (`ics-baseline build`) on ../shared/snapshot."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT_DIR = (PROJECT_ROOT.parent / "shared" / "snapshot").resolve()


def run_cli(*args: str, env: dict[str, str] | None = None, timeout: int = 600) -> subprocess.CompletedProcess:
    """Run `ics-baseline` in a subprocess, as a user would, so environment and DuckDB state never leak."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("ICS_BASELINE_")}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "pipelines.cli", *args],
        cwd=PROJECT_ROOT,
        env=full_env,
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
def built_warehouse(tmp_path_factory, snapshot_dir) -> Path:
    """A warehouse built once per session from the full snapshot by the real CLI."""
    warehouse = tmp_path_factory.mktemp("warehouse")
    result = run_cli("build", "--snapshot", str(snapshot_dir), "--warehouse", str(warehouse))
    if result.returncode != 0:
        pytest.fail(f"build failed ({result.returncode}):\n{result.stdout[-4000:]}\n{result.stderr[-8000:]}")
    return warehouse

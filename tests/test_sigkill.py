"""SIGKILL the build at observed moments; releases must stay whole and the next build must publish.

On a copy of the session's warehouse, a one-source rebuild is killed twice, each time at a moment read from the
build's own event log or release directory (never after a guessed delay): as its first raw step starts, and
while its release is being assembled in `.staging-*`. A trial whose build finished before reaching the moment
fails. The build after the kills finds the database dirty and rebuilds in full. The seeded ten-trial run at random
moments of full builds is bench/fault_sigkill.py (results in bench/results/sigkill.json).
"""

from __future__ import annotations

import json
import shutil
import sys

import pytest

from pipelines.incremental import MARKER_NAME
from tests.conftest import run_cli
from tests.sigkill import Trial, check_warehouse, kill_trial, releases, tree_digest
from tests.snapshots import REVISED_SOURCE, mirror_with_revised_claimant_counts

pytestmark = pytest.mark.e2e


def _incremental_build(snapshot, warehouse) -> list[str]:
    return [sys.executable, "-m", "pipelines.cli", "build", "--snapshot", str(snapshot), "--warehouse", str(warehouse)]


def test_sigkilled_builds_leave_releases_whole_and_the_next_build_succeeds(built_warehouse, snapshot_dir, tmp_path):
    warehouse = tmp_path / "warehouse"
    shutil.copytree(built_warehouse, warehouse, symlinks=True)
    mirror = tmp_path / "snapshot"
    mirror_with_revised_claimant_counts(snapshot_dir, mirror)
    first_release = releases(warehouse / "releases")[0]
    first_digest = tree_digest(first_release)
    command = _incremental_build(mirror, warehouse)

    # 1. while the changed source is being loaded: the marker is still clean (nothing was rebuilt yet)
    loading = kill_trial(Trial(1, "at_step", 0.0, step=f"raw__{REVISED_SOURCE}"), mirror, warehouse, build=command)
    assert loading.phase == "build" and loading.exit_code == -9, loading
    assert loading.latest == first_release.name and not loading.new_complete_release

    # 2. during publication: the dbt models were rebuilt, the new release half written in its staging directory
    publishing = kill_trial(Trial(2, "during_publication", 0.5), mirror, warehouse, build=command)
    assert publishing.phase == "publication" and publishing.exit_code == -9, publishing
    assert publishing.latest == first_release.name and not publishing.new_complete_release
    assert publishing.staging_left >= 1
    marker = json.loads((warehouse / "build" / MARKER_NAME).read_text())
    assert marker["dirty_run"] is not None, "a killed run that rebuilt models must leave the marker dirty"
    assert tree_digest(first_release) == first_digest

    # 3. the next build finds the database dirty, rebuilds in full and publishes
    result = run_cli("build", "--snapshot", str(mirror), "--warehouse", str(warehouse))
    assert result.returncode == 0, result.stderr[-4000:]
    assert "full build: no record of a clean published build" in result.stdout
    _, latest, staging_left = check_warehouse(warehouse / "releases", {})
    assert staging_left == 0
    assert not list((warehouse / "releases").glob(".latest.*"))
    assert latest == releases(warehouse / "releases")[-1].name != first_release.name
    assert tree_digest(first_release) == first_digest

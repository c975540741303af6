"""SIGKILL the build at seeded moments (early, mid-build, during publication); releases must stay whole.

Three trials in CI on a copy of the session's warehouse (build database and landing reused); the seeded
ten-trial version is bench/fault_sigkill.py (results in bench/results/sigkill.json).
"""

from __future__ import annotations

import random
import shutil

import pytest

from tests.sigkill import Trial, check_warehouse, kill_trial, releases, run_build, tree_digest

pytestmark = pytest.mark.e2e

SEED = 20261124


def test_sigkilled_builds_leave_releases_whole_and_the_next_build_succeeds(built_warehouse, snapshot_dir, tmp_path):
    warehouse = tmp_path / "warehouse"
    shutil.copytree(built_warehouse, warehouse, symlinks=True)
    first_release = releases(warehouse / "releases")[0]
    first_digest = tree_digest(first_release)
    rng = random.Random(SEED)
    trials = [
        Trial(1, "after_start", round(rng.uniform(2, 12), 2)),  # fetching and loading raw tables
        Trial(2, "after_start", round(rng.uniform(20, 40), 2)),  # dbt
        Trial(3, "during_publication", round(rng.uniform(0, 2), 2)),  # the release being assembled
    ]
    for trial in trials:
        kill_trial(trial, snapshot_dir, warehouse)  # asserts the invariants after the kill
        assert trial.latest is not None
    assert trials[0].killed_at is not None and trials[1].killed_at is not None
    assert trials[2].phase in ("publication", "finished before the kill"), trials[2]

    result = run_build(snapshot_dir, warehouse)
    assert result.returncode == 0, result.stderr[-4000:]
    _, latest, staging_left = check_warehouse(warehouse / "releases", {})
    assert staging_left == 0
    assert not list((warehouse / "releases").glob(".latest.*"))
    assert latest == releases(warehouse / "releases")[-1].name != first_release.name
    assert tree_digest(first_release) == first_digest

"""SIGKILL the build at observed moments; releases must stay whole and the next build must publish.

On a copy of the session's warehouse, builds are killed at moments read from the build's own event log or
release directory (never after a guessed delay): a one-source rebuild while its release is being assembled in
`.staging-*`, then the next build (which redoes that rebuild) once the changed source's raw table is written. A
trial whose build finished before reaching its moment fails. The build after the kills redoes the rebuild again
and publishes the republished figures. The seeded ten-trial run at random moments of full builds is
bench/fault_sigkill.py (results in bench/results/sigkill.json).
"""

from __future__ import annotations

import json
import shutil

import duckdb
import pytest

from pipelines.areas import load_areas
from pipelines.incremental import MARKER_NAME
from tests.conftest import run_cli
from tests.sigkill import Trial, build_command, check_warehouse, kill_trial, releases, tree_digest
from tests.snapshots import REVISED_SOURCE, mirror_with_revised_claimant_counts

pytestmark = pytest.mark.e2e


def _clean_marker(warehouse) -> dict | None:
    """The build marker, if it says the build database matches a published release (no dirty run)."""
    path = warehouse / "build" / MARKER_NAME
    marker = json.loads(path.read_text()) if path.exists() else None
    return marker if marker is not None and marker.get("dirty_run") is None else None


def test_sigkilled_builds_leave_releases_whole_and_the_next_build_succeeds(built_warehouse, snapshot_dir, tmp_path):
    warehouse = tmp_path / "warehouse"
    shutil.copytree(built_warehouse, warehouse, symlinks=True)
    mirror = tmp_path / "snapshot"
    mirror_with_revised_claimant_counts(snapshot_dir, mirror)
    first_release = releases(warehouse / "releases")[0]
    first_digest = tree_digest(first_release)
    command = build_command(mirror, warehouse, force=False)

    # 1. during publication of a one-source rebuild: the models were rebuilt, the release half written in staging
    publishing = kill_trial(Trial(1, "during_publication", 0.5), mirror, warehouse, build=command)
    assert publishing.phase == "publication" and publishing.exit_code == -9, publishing
    assert publishing.latest == first_release.name and not publishing.new_complete_release
    assert publishing.staging_left >= 1
    assert _clean_marker(warehouse) is None, "a killed run must not leave a clean marker to build on"

    # 2. the next build redoes that one-source rebuild (it recorded what it rebuilds before it started); killed as
    #    soon as the changed source's raw table is written (its materialisation event: the database is dirty)
    loading_moment = Trial(2, "at_step", 0.0, step=f"raw__{REVISED_SOURCE}", event="ASSET_MATERIALIZATION")
    loading = kill_trial(loading_moment, mirror, warehouse, build=command)
    assert loading.phase == "build" and loading.exit_code == -9, loading
    assert loading.latest == first_release.name and not loading.new_complete_release
    assert _clean_marker(warehouse) is None
    assert tree_digest(first_release) == first_digest

    # 3. the next build redoes the source again, publishes, and the release has the republished figures
    result = run_cli("build", "--snapshot", str(mirror), "--warehouse", str(warehouse))
    assert result.returncode == 0, result.stderr[-4000:]
    assert f"rebuilding {REVISED_SOURCE} and what depends on them" in result.stdout
    assert "redoing run" in result.stdout and "did not publish" in result.stdout
    _, latest, staging_left = check_warehouse(warehouse / "releases", {})
    assert staging_left == 0
    assert not list((warehouse / "releases").glob(".latest.*"))
    assert latest == releases(warehouse / "releases")[-1].name != first_release.name
    assert tree_digest(first_release) == first_digest
    assert _clean_marker(warehouse)["release_id"] == latest
    with (
        duckdb.connect(str(first_release / "ics_baseline.duckdb"), read_only=True) as old,
        duckdb.connect(str(warehouse / "releases" / latest / "ics_baseline.duckdb"), read_only=True) as new,
    ):
        old_rates = dict(old.execute(_RATES).fetchall())
        new_rates = dict(new.execute(_RATES).fetchall())
    # every LA's 2025 rate rose 0.1 points in the republished file, so every ICB's did
    assert set(old_rates) == set(new_rates) and len(new_rates) == sum(load_areas().expected_areas("icb").values())
    assert all(new_rates[key] - old_rates[key] == pytest.approx(0.1, abs=1e-9) for key in new_rates)


_RATES = (
    "select icb_code || '/' || icb_vintage, value from icb_indicators"
    " where indicator_id = 'claimant_count_rate' and period = '2025'"
)

"""Rebuilds on a real warehouse: nothing to do when nothing changed; one changed source rebuilds only itself and
what depends on it, and carries the other checks over, while analysts polling `releases/latest` see no error; a
build that did not publish forces a full rebuild.

The one-source rebuild is first SIGKILLed at a moment read from the warehouse (never after a guessed delay): half
a second after its release starts being assembled in `.staging-*`. The releases must stay whole and the marker
must not offer the half-written database as a base; the build after it redoes the same rebuild and publishes, and
is the rebuild whose figures, checks and readers are checked below. More kills at observed moments are
bench/fault_sigkill_rebuild.py; kills at seeded random moments of full builds are bench/fault_sigkill.py.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from pathlib import Path

import duckdb
import pytest

from pipelines.areas import load_areas
from pipelines.custom_areas import CUSTOM_AREAS_SOURCE_ID, NO_CUSTOM_AREAS
from pipelines.incremental import MARKER_NAME, code_fingerprint, plan_build, read_marker
from pipelines.settings import Settings
from tests.concurrent_readers import start_readers
from tests.conftest import PROJECT_ROOT, cli_env, run_cli
from tests.sigkill import Trial, build_command, check_warehouse, kill_trial, step_started, tree_digest
from tests.snapshots import REVISED_SOURCE, mirror_with_revised_claimant_counts

pytestmark = pytest.mark.e2e

CHANGED_SOURCE = REVISED_SOURCE


@pytest.fixture(scope="module")
def warehouse(built_warehouse, tmp_path_factory) -> Path:
    """A private copy of the session's built warehouse, so rebuilding here never moves the shared `latest`."""
    copy = tmp_path_factory.mktemp("incremental") / "warehouse"
    shutil.copytree(built_warehouse, copy, symlinks=True)
    return copy


def _latest(warehouse: Path) -> Path:
    return (warehouse / "releases" / "latest").resolve()


def _clean_marker(warehouse: Path) -> dict | None:
    """The build marker, if it says the build database matches a published release (no dirty run)."""
    path = warehouse / "build" / MARKER_NAME
    marker = json.loads(path.read_text()) if path.exists() else None
    return marker if marker is not None and marker.get("dirty_run") is None else None


@pytest.fixture(scope="module")
def revised_snapshot(snapshot_dir, tmp_path_factory) -> Path:
    """The snapshot with the claimant counts republished (every 2025 rate +0.1 points)."""
    mirror = tmp_path_factory.mktemp("revised") / "snapshot"
    assert mirror_with_revised_claimant_counts(snapshot_dir, mirror) > 300
    return mirror


@pytest.fixture(scope="module")
def killed_while_publishing(warehouse, revised_snapshot) -> dict:
    """The one-source rebuild, SIGKILLed (its whole process group) half a second after its `.staging-*` appears:
    the models were rebuilt and the release is half written. `kill_trial` checks that earlier releases are
    byte-identical and `latest` complete."""
    before = _latest(warehouse)
    digest = tree_digest(before)
    command = build_command(revised_snapshot, warehouse, force=False)
    trial = kill_trial(Trial(1, "during_publication", 0.5), revised_snapshot, warehouse, build=command)
    return {"trial": trial, "release": before, "digest": digest, "marker": _clean_marker(warehouse)}


def test_a_published_build_leaves_a_marker_of_what_it_read(warehouse):
    marker = json.loads((warehouse / "build" / MARKER_NAME).read_text())
    assert marker["release_id"] == _latest(warehouse).name
    assert marker["dirty_run"] is None
    assert marker["code"] == code_fingerprint()
    manifest = json.loads((_latest(warehouse) / "manifest.json").read_text())
    # and the custom areas file, of which this build had none
    inputs = {s["source_id"]: s["sha256"] for s in manifest["sources"]} | {CUSTOM_AREAS_SOURCE_ID: NO_CUSTOM_AREAS}
    assert marker["inputs"] == inputs


def test_nothing_changed_means_nothing_to_do(warehouse, snapshot_dir):
    before = _latest(warehouse).name
    result = run_cli("build", "--snapshot", str(snapshot_dir), "--warehouse", str(warehouse))
    assert result.returncode == 0, result.stderr
    assert "nothing to do" in result.stdout
    assert _latest(warehouse).name == before


def _build_with_readers(snapshot: Path, warehouse: Path, stop_file: Path) -> tuple[int, str, str, list[dict]]:
    """Run a build; when its publication step starts (seen in the build's event log), four analysts start polling
    `releases/latest`, and each stops once it has read the release the build published."""
    events_log = warehouse / "logs" / "build-events.jsonl"
    events_log.unlink(missing_ok=True)
    build = subprocess.Popen(
        build_command(snapshot, warehouse, force=False),
        cwd=PROJECT_ROOT,
        env=cli_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    readers = None
    try:
        while build.poll() is None and not step_started(events_log, "publish__release"):
            time.sleep(0.05)
        if build.poll() is None:
            readers = start_readers(warehouse, stop_file)
        stdout, stderr = build.communicate(timeout=900)
    finally:
        if build.poll() is None:
            build.kill()
        published = build.returncode == 0
        reports = readers.stop_after_reading(_latest(warehouse).name if published else "") if readers else []
    assert readers is not None, f"the build ended before its publication step started:\n{stderr[-3000:]}"
    return build.returncode, stdout, stderr, reports


def test_a_rebuild_killed_while_publishing_leaves_the_releases_whole(killed_while_publishing):
    trial = killed_while_publishing["trial"]
    assert trial.phase == "publication" and trial.exit_code == -9, trial
    assert trial.latest == killed_while_publishing["release"].name and not trial.new_complete_release, trial
    assert trial.staging_left >= 1, trial
    assert killed_while_publishing["marker"] is None, "a killed run must not leave a clean marker to build on"


def test_one_changed_source_rebuilds_only_what_depends_on_it(
    warehouse, revised_snapshot, killed_while_publishing, tmp_path
):
    """...redoing the rebuild that was killed while publishing, while analysts read `releases/latest`: none of their
    queries fails as the new release replaces the old."""
    before = killed_while_publishing["release"]
    assert _latest(warehouse) == before
    returncode, stdout, stderr, readers = _build_with_readers(revised_snapshot, warehouse, tmp_path / "stop")
    assert returncode == 0, stderr[-3000:]
    assert f"rebuilding {CHANGED_SOURCE} and what depends on them" in stdout
    # the killed run recorded what it rebuilds before it started, so this build redoes just that
    assert "redoing run" in stdout and "did not publish" in stdout
    after = _latest(warehouse)
    assert after != before
    # the killed run's staging is cleared, the release it was replacing is byte-identical, and the marker names
    # the new release as the clean base of the next build
    _, latest, staging_left = check_warehouse(warehouse / "releases", {})
    assert latest == after.name and staging_left == 0
    assert not list((warehouse / "releases").glob(".latest.*"))
    assert tree_digest(before) == killed_while_publishing["digest"]
    assert _clean_marker(warehouse)["release_id"] == after.name

    print(json.dumps(readers))
    assert len(readers) == 4 and all(r["queries"] > 0 for r in readers), readers
    assert [r["error_count"] for r in readers] == [0] * 4, readers
    assert all(after.name in r["releases_seen"] for r in readers), readers
    assert any(before.name in r["releases_seen"] for r in readers), "no reader read the old release during publication"

    events = [json.loads(line) for line in (warehouse / "logs" / "build-events.jsonl").read_text().splitlines()]
    raw_materialised = {
        e["asset"] for e in events if e["event"] == "ASSET_MATERIALIZATION" and e.get("asset", "").startswith("raw/")
    }
    assert raw_materialised == {f"raw/{CHANGED_SOURCE}"}

    manifest = json.loads((after / "manifest.json").read_text())
    carried = [c for c in manifest["checks"] if c.get("carried_over_from")]
    evaluated = [c for c in manifest["checks"] if not c.get("carried_over_from")]
    assert carried and all(c["carried_over_from"] == before.name for c in carried)
    assert any(c["asset"] == f"raw/{CHANGED_SOURCE}" for c in evaluated)
    assert not any(c["asset"] == "raw/mhclg_imd2025_lsoa21" for c in evaluated)
    previous_assets = {c["asset"] for c in json.loads((before / "manifest.json").read_text())["checks"]}
    assert {c["asset"] for c in manifest["checks"]} == previous_assets

    changes = json.loads((after / "changes.json").read_text())
    assert changes["previous_release"] == before.name
    assert {row["indicator_id"] for row in changes["by_indicator"]} == {"claimant_count_rate"}
    with (
        duckdb.connect(str(after / "ics_baseline.duckdb"), read_only=True) as new,
        duckdb.connect(str(before / "ics_baseline.duckdb"), read_only=True) as old,
    ):
        query = (
            "select icb_code, icb_vintage, value from icb_indicators where indicator_id = 'claimant_count_rate' "
            "and period = '2025' order by 1, 2"
        )
        new_values, old_values = new.execute(query).fetchall(), old.execute(query).fetchall()
    assert len(new_values) == sum(load_areas().expected_areas("icb").values())
    # every LA rate rose by 0.1 points, so every ICB's rate (a population-weighted ratio of sums) rose by 0.1
    for (code, vintage, value), (_, _, previous) in zip(new_values, old_values, strict=True):
        assert value - previous == pytest.approx(0.1, abs=1e-9), (code, vintage)

    # An ordinary republication is reported as revisions, not held (pipelines/revisions.py): 2025 is 1 of the 25
    # published years, so its figure for each ICB of every vintage (42 + 42 + 36) moved and nothing else did.
    revisions = manifest["revisions"]
    assert revisions["held"] == [] and revisions["accepted"] == []
    claimant = next(s for s in revisions["sources"] if s["source_id"] == CHANGED_SOURCE)
    icbs = sum(load_areas().expected_areas("icb").values())
    assert claimant["figures_revised"] == icbs
    assert claimant["figures_compared"] == 25 * icbs
    assert claimant["over_hold_share"] is False and claimant["accepted"] is False
    assert [s["source_id"] for s in revisions["sources"] if s["figures_revised"]] == [CHANGED_SOURCE]


def test_a_build_that_did_not_publish_forces_a_full_rebuild(warehouse, snapshot_dir):
    settings = Settings(
        warehouse_dir=warehouse,
        snapshot_dir=snapshot_dir,
        fetch_mode="snapshot",
        sources_file=Path("sources.yaml"),
        allow_loopback_http=False,
    )
    marker = read_marker(settings)
    inputs = dict(marker["inputs"])
    latest = _latest(warehouse).name
    assert plan_build(settings, marker["code"], inputs, latest).kind == "nothing"
    # a run wrote to the build database and never published (failed, blocked or killed)
    (warehouse / "build" / MARKER_NAME).write_text(json.dumps({**marker, "dirty_run": "a-failed-run"}))
    plan = plan_build(settings, marker["code"], inputs, latest)
    assert plan.kind == "full" and "clean published build" in plan.reason
    (warehouse / "build" / MARKER_NAME).write_text(json.dumps(marker))
    assert plan_build(settings, "other-code", inputs, latest).kind == "full"
    assert plan_build(settings, marker["code"], inputs, "some-other-release").kind == "full"
    assert plan_build(settings, marker["code"], inputs, latest, force=True).kind == "full"

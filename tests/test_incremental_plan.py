"""What the next build does after one that did not publish, from the marker alone (no build needed).

A full rebuild after any unpublished run, except a one-source rebuild that recorded its run and sources before it
started: the next build redoes those sources (and whatever else changed) and what depends on them. A record made
by another run, or a second unpublished run, is never trusted.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.incremental import (
    code_fingerprint,
    mark_dirty,
    plan_build,
    read_marker,
    record_resumable_run,
    write_marker,
)
from pipelines.settings import PROJECT_ROOT, Settings

INPUTS = {"claimant": "sha-a", "imd": "sha-b", "smokers": "sha-c"}
RELEASE = "20261206T000000Z"
CODE = "code-1"


@pytest.fixture
def settings(tmp_path) -> Settings:
    settings = Settings(
        warehouse_dir=tmp_path,
        snapshot_dir=tmp_path / "snapshot",
        fetch_mode="snapshot",
        sources_file=Path("sources.yaml"),
        allow_loopback_http=False,
    )
    write_marker(settings, RELEASE, CODE, INPUTS)
    return settings


def _plan(settings: Settings, inputs: dict[str, str] = INPUTS, **kwargs):
    return plan_build(settings, CODE, inputs, RELEASE, **kwargs)


def test_a_clean_marker_with_one_changed_input_rebuilds_that_source(settings):
    plan = _plan(settings, {**INPUTS, "claimant": "sha-a2"})
    assert (plan.kind, plan.changed_sources) == ("sources", ("claimant",))
    assert _plan(settings).kind == "nothing"


def test_an_unrecorded_unpublished_run_forces_a_full_rebuild(settings):
    mark_dirty(settings, "run-1")
    plan = _plan(settings)
    assert plan.kind == "full" and "clean published build" in plan.reason


def test_a_recorded_one_source_rebuild_that_did_not_publish_is_redone_with_what_else_changed(settings):
    record_resumable_run(settings, "run-1", ("claimant",))
    assert _plan(settings, {**INPUTS, "claimant": "sha-a2"}).changed_sources == ("claimant",)  # not yet dirty
    mark_dirty(settings, "run-1")  # its first step changed the database; then it was killed
    plan = _plan(settings, {**INPUTS, "claimant": "sha-a2"})
    assert (plan.kind, plan.changed_sources) == ("sources", ("claimant",))
    assert "redoing run run-1" in plan.reason
    # even if the republished file was withdrawn again, what the run changed must be rebuilt
    assert _plan(settings).changed_sources == ("claimant",)
    # and another source changing meanwhile joins it
    assert _plan(settings, {**INPUTS, "claimant": "sha-a2", "smokers": "sha-c2"}).changed_sources == (
        "claimant",
        "smokers",
    )


def test_the_redo_takes_over_the_unpublished_run_and_records_itself(settings):
    record_resumable_run(settings, "run-1", ("claimant",))
    mark_dirty(settings, "run-1")
    plan = _plan(settings, {**INPUTS, "smokers": "sha-c2"})
    record_resumable_run(settings, "run-2", plan.changed_sources)
    mark_dirty(settings, "run-2")  # run-2's own step: the marker stays, naming run-2 and both sources
    marker = read_marker(settings)
    assert marker["dirty_run"] == "run-2" and marker["resume"] == {"run": "run-2", "sources": ["claimant", "smokers"]}
    assert _plan(settings, {**INPUTS, "smokers": "sha-c2"}).changed_sources == ("claimant", "smokers")


def test_a_record_made_for_another_run_is_dropped_when_a_run_changes_the_database(settings):
    record_resumable_run(settings, "run-1", ("claimant",))  # run-1 never started a step
    mark_dirty(settings, "sensor-run")  # a Dagster run for another source changed the database
    assert "resume" not in read_marker(settings)
    assert _plan(settings).kind == "full"


def test_a_second_unpublished_run_leaves_nothing_to_trust(settings):
    record_resumable_run(settings, "run-1", ("claimant",))
    mark_dirty(settings, "run-1")
    mark_dirty(settings, "run-2")  # another run wrote to the database without taking over run-1 first
    assert read_marker(settings) is None
    assert _plan(settings).kind == "full"


def test_code_changes_and_forced_builds_are_full_whatever_the_record(settings):
    record_resumable_run(settings, "run-1", ("claimant",))
    mark_dirty(settings, "run-1")
    assert plan_build(settings, "code-2", INPUTS, RELEASE).kind == "full"
    assert plan_build(settings, CODE, INPUTS, "another-release").kind == "full"
    assert _plan(settings, force=True).kind == "full"
    assert _plan(settings, {k: v for k, v in INPUTS.items() if k != "claimant"}).kind == "full"


def test_publication_clears_the_record(settings):
    record_resumable_run(settings, "run-1", ("claimant",))
    mark_dirty(settings, "run-1")
    write_marker(settings, "20261207T000000Z", CODE, {**INPUTS, "claimant": "sha-a2"})
    marker = read_marker(settings)
    assert marker["dirty_run"] is None and "resume" not in marker


def test_a_registry_given_from_outside_the_project_is_part_of_the_code(tmp_path):
    """`build --sources/--areas-registry FILE`: another registry, or the same one edited, means a full build."""
    registry = tmp_path / "areas.yaml"
    registry.write_text((PROJECT_ROOT / "areas.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    project_only = code_fingerprint()
    given = code_fingerprint(registries=(registry,))
    assert given != project_only
    registry.write_text(registry.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert code_fingerprint(registries=(registry,)) != given
    # the project's own registries are in the fingerprint already
    assert code_fingerprint(registries=(PROJECT_ROOT / "areas.yaml", PROJECT_ROOT / "sources.yaml")) == project_only

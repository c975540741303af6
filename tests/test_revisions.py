"""Revisions against the previous release are reported per source, and a mass revision holds publication until
it is accepted.

End to end, on one warehouse holding a good release (R0) of the real snapshot:
  1. ONS republishes every GDHI per head figure 10% higher: the build is held, naming the source and the size of
     the revision, and R0 stays byte-identical;
  2. the same build with `--accept-revisions ons_els_gdhi_per_head` (on a second copy of that warehouse)
     publishes R1, recording the acceptance;
  (an ordinary republication, a few figures revised, is reported and not held: tests/test_incremental_e2e.py).
The unit tests give `measure_revisions` hand-made releases whose answer is known.
"""

from __future__ import annotations

import json
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import pytest

from pipelines.quality_thresholds import RevisionThresholds
from pipelines.revisions import describe_hold, measure_revisions
from pipelines.settings import WAREHOUSE_FILE_NAME, parse_accepted_revisions
from tests.bad_inputs.series import GDHI_FILE, link_mirror, rewrite_els, scale
from tests.conftest import run_cli
from tests.test_bad_input_blocks_publication import _tree_digest

GDHI = "ons_els_gdhi_per_head"


def _manifest(release: Path) -> dict:
    return json.loads((release / "manifest.json").read_text(encoding="utf-8"))


def _source(manifest: dict, source_id: str) -> dict:
    return next(s for s in manifest["revisions"]["sources"] if s["source_id"] == source_id)


@pytest.fixture(scope="module")
def revision_builds(built_warehouse, snapshot_dir, tmp_path_factory):
    root = tmp_path_factory.mktemp("revisions")
    # Two copies of the whole warehouse, build database included, so each build is incremental (only the changed
    # source): one where the revision is held, one where the same build is accepted.
    held_warehouse = root / "held"
    warehouse = root / "warehouse"
    shutil.copytree(built_warehouse, held_warehouse, symlinks=True)
    shutil.copytree(built_warehouse, warehouse, symlinks=True)
    r0 = (held_warehouse / "releases" / "latest").resolve()
    before = _tree_digest(held_warehouse / "releases")
    revised = link_mirror(snapshot_dir, root / "gdhi_revised")
    rewrite_els(snapshot_dir, revised, GDHI_FILE, scale(1.1))

    # the two builds are independent (separate copies), so they run side by side: a build keeps about one core busy
    with ThreadPoolExecutor(max_workers=2) as pool:
        held_run = pool.submit(run_cli, "build", "--snapshot", str(revised), "--warehouse", str(held_warehouse))
        accepted_run = pool.submit(
            run_cli, "build", "--snapshot", str(revised), "--warehouse", str(warehouse), "--accept-revisions", GDHI
        )
        held, accepted = held_run.result(), accepted_run.result()
    after_held = _tree_digest(held_warehouse / "releases")
    r1 = (warehouse / "releases" / "latest").resolve()
    # An ordinary republication (a few figures revised) is reported, not held: tests/test_incremental_e2e.py
    # checks that on its one-source rebuild, so no third build here.
    status = run_cli("status", "--warehouse", str(warehouse), "--json")
    return {
        "warehouse": warehouse,
        "r0": r0,
        "before": before,
        "held": held,
        "after_held": after_held,
        "accepted": accepted,
        "r1": r1,
        "status": status,
    }


def test_a_mass_revision_holds_publication_naming_the_source_and_its_size(revision_builds):
    held = revision_builds["held"]
    assert held.returncode == 1, held.stdout + held.stderr
    with duckdb.connect(str(revision_builds["r0"] / WAREHOUSE_FILE_NAME), read_only=True) as con:
        (published,) = con.execute("select count(value) from icb_indicators where source_id = ?", [GDHI]).fetchone()
    assert published > 1000
    # Every published GDHI figure moved by the 10% the publisher added, and nothing else is named.
    assert (
        f"source {GDHI}: {published} of {published} figures revised (100%; median 10.00%, largest 10.00%)"
        in held.stderr
    )
    assert "publication held" in held.stderr
    assert f"--accept-revisions {GDHI}" in held.stderr
    assert "source ons_els_claimant_count:" not in held.stderr


def test_a_held_build_leaves_the_previous_release_byte_identical(revision_builds):
    assert revision_builds["after_held"] == revision_builds["before"]


def test_accepted_revisions_are_published_and_recorded(revision_builds):
    accepted, r0, r1 = revision_builds["accepted"], revision_builds["r0"], revision_builds["r1"]
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert r1.name != r0.name  # a new release was published on top of R0
    revisions = _manifest(r1)["revisions"]
    assert revisions["previous_release"] == r0.name
    assert revisions["accepted"] == [GDHI] and revisions["held"] == []
    gdhi = _source(_manifest(r1), GDHI)
    assert gdhi["accepted"] is True and gdhi["over_hold_share"] is True and gdhi["share_revised"] == 1.0
    # The only source whose figures moved is the one the publisher revised.
    assert [s["source_id"] for s in revisions["sources"] if s["figures_revised"]] == [GDHI]
    # What was published is the publisher's revision: R0's figures times 1.1.
    with duckdb.connect(":memory:") as con:
        con.execute(f"attach '{r0 / WAREHOUSE_FILE_NAME}' as r0 (read_only)")
        con.execute(f"attach '{r1 / WAREHOUSE_FILE_NAME}' as r1 (read_only)")
        ratios = con.execute(
            "select min(new.value / old.value), max(new.value / old.value) from r1.icb_indicators as new"
            " inner join r0.icb_indicators as old using (icb_code, icb_vintage, indicator_id, period)"
            " where new.source_id = ?",
            [GDHI],
        ).fetchone()
    assert ratios == pytest.approx((1.1, 1.1), rel=1e-9)
    # R0 itself was never touched.
    assert {k: v for k, v in _tree_digest(revision_builds["warehouse"] / "releases").items() if r0.name in k} == {
        k: v for k, v in revision_builds["before"].items() if r0.name in k
    }


def test_status_reports_the_revisions(revision_builds):
    status = revision_builds["status"]
    assert status.returncode == 0, status.stderr
    reported = json.loads(status.stdout)["revisions"]
    assert reported == _manifest(revision_builds["r1"])["revisions"]
    table = run_cli("status", "--warehouse", str(revision_builds["warehouse"]))
    assert table.returncode == 0, table.stderr
    assert f"revisions since {revision_builds['r0'].name}: 1 sources" in table.stdout
    assert GDHI in table.stdout


def test_accepting_an_unknown_source_is_a_usage_error(tmp_path, snapshot_dir):
    result = run_cli(
        "build", "--snapshot", str(snapshot_dir), "--warehouse", str(tmp_path), "--accept-revisions", "no_such"
    )
    assert result.returncode == 2
    assert "--accept-revisions: no source no_such in the registry" in result.stderr
    assert not (tmp_path / "releases").exists()


# -- measure_revisions on hand-made releases ---------------------------------------------------------------------

LIMITS = RevisionThresholds(tolerance=0.001, hold_share=0.5)


def _releases(tmp_path: Path, old: list[tuple], new: list[tuple]) -> tuple[Path, Path]:
    """A build database and a previous release; figures are (source_id, icb_code, period, value)."""
    build = tmp_path / "build.duckdb"
    previous = tmp_path / "R0"
    previous.mkdir()
    for path, table, figures in [
        (build, "marts.icb_indicators", new),
        (previous / WAREHOUSE_FILE_NAME, "icb_indicators", old),
    ]:
        with duckdb.connect(str(path)) as con:
            con.execute("create schema if not exists marts")
            con.execute(
                f"create table {table} (source_id varchar, icb_code varchar, icb_vintage varchar,"
                " indicator_id varchar, period varchar, value double)"
            )
            con.executemany(
                f"insert into {table} values (?, ?, 'ICB24', 'ind_' || ?, ?, ?)",
                [[s, c, s, p, v] for s, c, p, v in figures],
            )
    return build, previous


def _figures(source: str, values: list[float | None], period: str = "2024") -> list[tuple]:
    return [(source, f"E54{i:06d}", period, v) for i, v in enumerate(values)]


def test_counts_moved_figures_beyond_the_tolerance_only(tmp_path):
    old = _figures("a", [100.0] * 10)
    # 3 moved by 1%, 2 by 0.05% (under the 0.1% tolerance), the rest unchanged.
    new = _figures("a", [101.0, 99.0, 101.0, 100.05, 99.95, *[100.0] * 5])
    summary = measure_revisions(*_releases(tmp_path, old, new), LIMITS)
    (a,) = summary["sources"]
    assert (a["figures_compared"], a["figures_revised"], a["share_revised"]) == (10, 3, 0.3)
    assert a["median_relative_revision"] == pytest.approx(0.01) and a["max_relative_revision"] == pytest.approx(0.01)
    assert summary["held"] == [] and a["over_hold_share"] is False


def test_more_than_half_moved_holds_the_source_and_accepting_releases_it(tmp_path):
    old = _figures("a", [100.0] * 10) + _figures("b", [5.0] * 10)
    new = _figures("a", [110.0] * 6 + [100.0] * 4) + _figures("b", [5.0] * 10)
    build, previous = _releases(tmp_path, old, new)
    held = measure_revisions(build, previous, LIMITS)
    assert held["held"] == ["a"]
    assert "source a: 6 of 10 figures revised (60%; median 10.00%, largest 10.00%)" in describe_hold(held)
    assert "ics-baseline build --accept-revisions a" in describe_hold(held)
    for accepted in (["a"], ["all"]):
        summary = measure_revisions(build, previous, LIMITS, accepted=accepted)
        assert summary["held"] == [] and summary["accepted"] == accepted
        assert [s["accepted"] for s in summary["sources"]] == [True, False]


def test_exactly_half_moved_is_not_held(tmp_path):
    new = _figures("a", [110.0] * 5 + [100.0] * 5)
    assert measure_revisions(*_releases(tmp_path, _figures("a", [100.0] * 10), new), LIMITS)["held"] == []


def test_new_periods_and_suppressed_figures_are_not_revisions(tmp_path):
    old = _figures("a", [100.0] * 4)
    new = _figures("a", [100.0, 100.0, 100.0, None]) + _figures("a", [120.0] * 4, period="2025")
    (a,) = measure_revisions(*_releases(tmp_path, old, new), LIMITS)["sources"]
    assert (a["figures_compared"], a["figures_revised"], a["figures_added"], a["figures_dropped"]) == (3, 0, 4, 0)


def test_the_first_release_has_nothing_to_compare(tmp_path):
    summary = measure_revisions(tmp_path / "build.duckdb", None, LIMITS)
    assert summary["previous_release"] is None and summary["sources"] == [] and summary["held"] == []


def test_accepted_revisions_are_read_from_a_comma_separated_setting():
    assert parse_accepted_revisions(" a, b ,,all") == frozenset({"a", "b", "all"})
    assert parse_accepted_revisions("") == frozenset()


def test_the_dagster_path_accepts_revisions_through_the_publish_steps_run_config(tmp_path, monkeypatch):
    """What `--accept-revisions` is to the CLI, the run config of `publish/release` is to a Dagster run."""
    monkeypatch.setenv("ICS_BASELINE_WAREHOUSE_DIR", str(tmp_path))
    from dagster import validate_run_config

    from pipelines.assembly import build_definitions
    from pipelines.settings import get_settings

    job = build_definitions(get_settings()).resolve_job_def("build_baseline")
    accepted = {"ops": {"publish__release": {"config": {"accept_revisions": [GDHI, "all"]}}}}
    assert validate_run_config(job, accepted)["ops"]["publish__release"]["config"]["accept_revisions"] == [GDHI, "all"]
    with pytest.raises(Exception, match="accept_revision"):
        validate_run_config(job, {"ops": {"publish__release": {"config": {"accept_revision": [GDHI]}}}})
    monkeypatch.setenv("ICS_BASELINE_ACCEPT_REVISIONS", f"{GDHI},all")
    assert get_settings().accept_revisions == frozenset({GDHI, "all"})

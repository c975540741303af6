"""Write-audit-publish: releases are immutable, `latest` moves atomically, failures leave nothing behind."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pytest

from pipelines.packs.data import vintages_with_packs
from pipelines.release import (
    LATEST,
    PUBLISHED_TABLES,
    point_latest_at,
    prune_releases,
    publish_release,
    remove_abandoned_staging,
)
from tests.conftest import run_cli


def _make_build_database(path: Path, value: float = 0.25) -> Path:
    con = duckdb.connect(str(path))
    con.execute(
        f"""
        create schema marts; create schema intermediate; create schema meta;
        create table marts.icb_indicators as
            select 'E54000008' as icb_code, 'NHS Cheshire and Merseyside' as icb_name, 'ICB24' as icb_vintage,
                   'imd2025_most_deprived_decile_lsoa_share' as indicator_id, '2025' as period, {float(value)} as value;
        create table marts.indicators as select 'imd2025_most_deprived_decile_lsoa_share' as id;
        create table marts.icbs as select 'E54000008' as icb_code, 'ICB24' as icb_vintage;
        create table marts.icb_reconciliations as
            select 'ons_health_index_icb22_domains' as source_id, 'health_index_overall' as indicator_id,
                   'ICB22' as icb_vintage, 'E54000008' as icb_code, '2021' as period,
                   'la_population_weighted_mean' as derived_method, 0.001 as relative_difference;
        create table marts.icb_indicator_breakdowns as
            select 'E54000008' as icb_code, 'ICB24' as icb_vintage, 'gp_fte' as indicator_id, '2024' as period,
                   'practice_imd_quintile' as breakdown, '1' as breakdown_value, 5.5 as value;
        create table marts.icb_peers as
            select 'E54000008' as icb_code, 'ICB24' as icb_vintage, 'E54000050' as peer_icb_code, 1 as peer_rank,
                   1.5 as distance;
        create table marts.icb_peer_context as
            select 'E54000008' as icb_code, 'ICB24' as icb_vintage, 'gdhi_per_head' as variable, 20000.0 as value;
        create table marts.icb_deprivation_decile_breakdowns as
            select 'E54000008' as icb_code, 'ICB24' as icb_vintage, 'residents_disabled_share' as measure_id,
                   '2021' as period, 'IMD2025' as imd_edition, 1 as imd_decile, 0.3 as value;
        create table marts.icb_inequality_gaps as
            select 'E54000008' as icb_code, 'ICB24' as icb_vintage, 'residents_disabled_share' as measure_id,
                   '2021' as period, 'IMD2025' as imd_edition, 0.1 as sii;
        create table marts.comparator_reconciliations as
            select 'england' as group_type, 'E92000001' as group_code, 'ICB24' as icb_vintage,
                   'claimant_count_rate' as indicator_id, '2023' as period, 0.01 as relative_difference,
                   'within_tolerance' as reconciliation_status;
        create table intermediate.int_lsoa21_icb_memberships_unioned as
            select 'E01000001' as lsoa21_code, 'E54000008' as icb_code, 'ICB24' as icb_vintage;
        create table meta.raw_artefacts as
            select 'mhclg_imd2025_lsoa21' as source_id, 'f.csv' as file_name, 'https://x/f.csv' as source_url,
                   '/m/f.csv' as fetched_from, 'snapshot' as fetch_mode, now() as retrieved_at,
                   'abc' as sha256, 10 as bytes, 1 as row_count;
        """
    )
    # Published tables these tests do not look into get one row with just their ordering columns.
    existing = {
        f"{schema}.{name}"
        for schema, name in con.execute("select table_schema, table_name from information_schema.tables").fetchall()
    }
    for source, order_by in PUBLISHED_TABLES.values():
        if source not in existing:
            columns = ", ".join(f"'x' as {column.strip()}" for column in order_by.split(","))
            con.execute(f"create table {source} as select {columns}")
    con.close()
    return path


def _digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


CHECKS = [{"asset": "marts/icb_indicators", "check": "marts_icb_indicators", "passed": True, "severity": "ERROR"}]


def test_a_release_has_the_database_files_and_manifest(tmp_path):
    build = _make_build_database(tmp_path / "build.duckdb")
    release = publish_release(
        build, tmp_path / "releases", CHECKS, "snapshot", now=datetime(2026, 11, 24, tzinfo=UTC), outputs=None
    )
    assert release.release_id == "20261124T000000Z"
    assert (tmp_path / "releases" / LATEST).readlink().name == release.release_id
    manifest = json.loads((release.path / "manifest.json").read_text())
    assert manifest["tables"]["icb_indicators"] == 1
    assert manifest["checks"] == CHECKS
    assert manifest["sources"][0]["sha256"] == "abc"
    con = duckdb.connect(str(tmp_path / "releases" / LATEST / "ics_baseline.duckdb"), read_only=True)
    assert con.execute("select value from icb_indicators").fetchall() == [(0.25,)]
    con.close()


def test_a_second_release_moves_latest_and_leaves_the_first_untouched(tmp_path):
    releases = tmp_path / "releases"
    first = publish_release(_make_build_database(tmp_path / "a.duckdb"), releases, CHECKS, "snapshot", outputs=None)
    before = _digest(first.path)
    second = publish_release(
        _make_build_database(tmp_path / "b.duckdb", 0.5), releases, CHECKS, "snapshot", outputs=None
    )
    assert second.release_id != first.release_id
    assert (releases / LATEST).readlink().name == second.release_id
    assert _digest(first.path) == before


def test_a_failed_publication_leaves_no_staging_and_latest_unchanged(tmp_path):
    releases = tmp_path / "releases"
    first = publish_release(_make_build_database(tmp_path / "a.duckdb"), releases, CHECKS, "snapshot", outputs=None)
    before = _digest(releases)
    broken = tmp_path / "broken.duckdb"
    duckdb.connect(str(broken)).close()  # no marts at all
    with pytest.raises(duckdb.Error):
        publish_release(broken, releases, CHECKS, "snapshot", outputs=None)
    assert (releases / LATEST).readlink().name == first.release_id
    assert _digest(releases) == before
    assert not list(releases.glob(".staging-*"))


def test_an_empty_indicator_table_is_refused(tmp_path):
    build = _make_build_database(tmp_path / "build.duckdb")
    con = duckdb.connect(str(build))
    con.execute("delete from marts.icb_indicators")
    con.close()
    with pytest.raises(RuntimeError, match="empty"):
        publish_release(build, tmp_path / "releases", CHECKS, "snapshot", outputs=None)
    assert not (tmp_path / "releases" / LATEST).exists()


def test_staging_left_by_a_killed_publication_is_cleared_and_never_a_release(tmp_path):
    releases = tmp_path / "releases"
    (releases / ".staging-20260101T000000Z").mkdir(parents=True)
    (releases / ".staging-20260101T000000Z" / "ics_baseline.duckdb").write_bytes(b"half")
    assert remove_abandoned_staging(releases) == [".staging-20260101T000000Z"]
    assert list(releases.iterdir()) == []


def test_a_failure_while_writing_packs_publishes_nothing(tmp_path):
    """Packs are written inside the staging directory: if writing them fails, no release appears."""
    releases = tmp_path / "releases"
    first = publish_release(_make_build_database(tmp_path / "a.duckdb"), releases, CHECKS, "snapshot", outputs=None)
    before = _digest(first.path)

    def failing_outputs(staging, release_id, manifest, previous):
        (staging / "packs").mkdir()
        (staging / "packs" / "half-written.xlsx").write_bytes(b"PK")
        raise OSError("disk full while writing packs")

    with pytest.raises(OSError, match="disk full"):
        publish_release(
            _make_build_database(tmp_path / "b.duckdb", 0.5), releases, CHECKS, "snapshot", outputs=failing_outputs
        )
    assert sorted(p.name for p in releases.iterdir()) == sorted([first.release_id, LATEST])
    assert (releases / LATEST).resolve() == first.path
    assert _digest(first.path) == before


def _publish_days(releases: Path, tmp_path: Path, days: list[int]) -> list[str]:
    ids = []
    for day in days:
        build = _make_build_database(tmp_path / f"build-{day}.duckdb", value=day / 100)
        now = datetime(2026, 11, day, 12, tzinfo=UTC)
        ids.append(publish_release(build, releases, CHECKS, "snapshot", now=now, outputs=None).release_id)
    return ids


def test_prune_keeps_the_newest_and_the_release_latest_points_to(tmp_path):
    releases = tmp_path / "releases"
    ids = _publish_days(releases, tmp_path, [1, 2, 3, 4, 5])
    # rolled back: latest points at the second-oldest release, which is not among the newest two
    point_latest_at(releases, ids[1])
    # a release being written (a publication in progress) and a directory that is not a release
    staging = releases / ".staging-20261130T120000Z"
    (staging / "packs").mkdir(parents=True)
    (staging / "ics_baseline.duckdb").write_bytes(b"being written")
    (releases / "notes").mkdir()
    kept_before = {name: _digest(releases / name) for name in (ids[1], ids[3], ids[4])}

    result = prune_releases(releases, keep=2)

    assert result.removed == [ids[0], ids[2]]
    assert result.kept == [ids[1], ids[3], ids[4]]
    assert result.latest == ids[1]
    assert sorted(p.name for p in releases.iterdir()) == sorted([ids[1], ids[3], ids[4], LATEST, staging.name, "notes"])
    assert (releases / LATEST).resolve() == (releases / ids[1]).resolve()
    assert {name: _digest(releases / name) for name in kept_before} == kept_before
    assert (staging / "ics_baseline.duckdb").read_bytes() == b"being written"
    con = duckdb.connect(str(releases / LATEST / "ics_baseline.duckdb"), read_only=True)
    assert con.execute("select value::double from icb_indicators").fetchall() == [(0.02,)]
    con.close()


def test_prune_orders_same_second_releases_by_their_number_and_keeps_latest_when_keep_is_one(tmp_path):
    releases = tmp_path / "releases"
    now = datetime(2026, 11, 24, tzinfo=UTC)
    build = _make_build_database(tmp_path / "build.duckdb")
    ids = [publish_release(build, releases, CHECKS, "snapshot", now=now, outputs=None).release_id for _ in range(10)]
    assert ids[-1] == "20261124T000000Z-10" and ids[-2] == "20261124T000000Z-9"

    result = prune_releases(releases, keep=1)

    assert result.kept == [ids[-1]] and result.latest == ids[-1]
    assert sorted(p.name for p in releases.iterdir()) == sorted([ids[-1], LATEST])


def test_prune_dry_run_deletes_nothing_and_keep_below_one_is_refused(tmp_path):
    releases = tmp_path / "releases"
    ids = _publish_days(releases, tmp_path, [1, 2, 3])
    before = _digest(releases)
    result = prune_releases(releases, keep=1, dry_run=True)
    assert result.removed == ids[:2]
    assert _digest(releases) == before
    assert sorted(p.name for p in releases.iterdir()) == sorted([*ids, LATEST])
    with pytest.raises(ValueError, match="at least 1"):
        prune_releases(releases, keep=0)
    assert _digest(releases) == before


def test_releases_prune_command(tmp_path):
    warehouse = tmp_path / "warehouse"
    ids = _publish_days(warehouse / "releases", tmp_path, [1, 2, 3, 4])

    dry = run_cli("releases", "prune", "--keep", "2", "--dry-run", "--warehouse", str(warehouse))
    assert dry.returncode == 0, dry.stderr
    assert f"would delete {warehouse / 'releases' / ids[0]}" in dry.stdout
    assert len(list((warehouse / "releases").iterdir())) == 5

    done = run_cli("releases", "prune", "--keep", "2", "--warehouse", str(warehouse), "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {
        "dry_run": False,
        "kept": ids[2:],
        "removed": ids[:2],
        "latest": ids[3],
    }
    assert sorted(p.name for p in (warehouse / "releases").iterdir()) == sorted([*ids[2:], LATEST])

    refused = run_cli("releases", "prune", "--keep", "0", "--warehouse", str(warehouse))
    assert refused.returncode == 2 and "at least 1" in refused.stderr
    assert sorted(p.name for p in (warehouse / "releases").iterdir()) == sorted([*ids[2:], LATEST])


@pytest.mark.parametrize(
    ("made_on", "expected"),
    [
        # ICB24 was last in force on 31 March 2026: packs until a year after that day, not on it
        (date(2026, 12, 6), ["ICB24", "ICB26", "ICB99"]),
        (date(2027, 3, 31), ["ICB24", "ICB26", "ICB99"]),
        (date(2027, 4, 1), ["ICB26", "ICB99"]),
        # ICB22 gave way to ICB24 on 1 April 2023
        (date(2024, 3, 31), ["ICB22", "ICB24", "ICB26", "ICB99"]),
        (date(2024, 4, 1), ["ICB24", "ICB26", "ICB99"]),
        (date(2024, 2, 29), ["ICB22", "ICB24", "ICB26", "ICB99"]),
    ],
)
def test_packs_are_written_for_the_vintages_in_force_in_the_year_before_the_release(made_on, expected):
    # ICB99 stands for a vintage no declaration covers yet (a future boundary change): it always gets packs
    assert vintages_with_packs(["ICB22", "ICB24", "ICB26", "ICB99"], made_on) == expected

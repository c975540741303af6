"""The whole build in live mode against a local mirror of the publishers publishes the snapshot build's figures.

Every snapshot file is converted into the format its publisher serves (`live.serves` in sources.yaml: the
publisher's headers, workbook sheet or R data file) and served the way the publisher serves it (zip members,
landing pages linking hashed assets, paged ArcGIS JSON and GeoJSON, the Nomis and Fingertips APIs) behind the live
URL's own path on 127.0.0.1 (tests/publisher_mirror.py). The real CLI then builds with `--live` on a copy of the
session's snapshot build, so every source goes through its live adapter and reader, and none through the snapshot
path. Redirects, paging edge cases, truncation and error pages served as 200 are the adapter tests' business
(tests/test_adapters_live.py); this test is about layouts.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from pipelines.readers import read_source
from pipelines.registry import load_registry
from tests.conftest import PROJECT_ROOT, run_live_build
from tests.publisher_mirror import PublisherMirror, serving

pytestmark = pytest.mark.e2e

# Provenance differs by design between a snapshot and a live build (URLs, times, hashes of other bytes).
PROVENANCE_TABLES = {"source_artefacts", "source_freshness"}
# The registry's landing page, which the mirror's registry moves to 127.0.0.1 for the landing-page adapter.
PROVENANCE_COLUMNS = {"indicators": {"source_landing_page"}}
TOLERANCE = 1e-9  # floating-point summation order only: relative, or absolute below 1 (noise around zero)


@pytest.fixture(scope="module")
def mirror(snapshot_dir, tmp_path_factory) -> Iterator[tuple[PublisherMirror, Path]]:
    """The running mirror, and a sources.yaml whose live URLs point at it (paths and queries unchanged)."""
    with serving(PROJECT_ROOT / "sources.yaml", snapshot_dir, tmp_path_factory.mktemp("publisher_files")) as served:
        yield served


@pytest.fixture(scope="module")
def live_build(mirror, built_warehouse, tmp_path_factory) -> dict:
    _, sources_file = mirror
    warehouse = tmp_path_factory.mktemp("live_mirror") / "warehouse"
    shutil.copytree(built_warehouse, warehouse, symlinks=True)
    snapshot_release = (warehouse / "releases" / "latest").resolve()
    result = run_live_build(sources_file, warehouse)
    return {
        "result": result,
        "warehouse": warehouse,
        "snapshot_release": snapshot_release,
        "live_release": (warehouse / "releases" / "latest").resolve(),
    }


def test_the_live_build_publishes_a_new_release(live_build):
    result = live_build["result"]
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-6000:]
    assert live_build["live_release"] != live_build["snapshot_release"]


def test_every_source_came_through_its_live_adapter_from_the_mirror(live_build, mirror):
    server, _ = mirror
    manifest = json.loads((live_build["live_release"] / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["fetch_mode"] == "live"
    registry = load_registry(PROJECT_ROOT / "sources.yaml")
    by_id = {s["source_id"]: s for s in manifest["sources"]}
    assert set(by_id) == {source.id for source in registry.sources}
    for source in registry.sources:
        entry = by_id[source.id]
        assert entry["fetch_mode"] == "live" and not entry["stale"], entry
        assert entry["fetched_from"].startswith(server.base_url), entry
        # every route of the source (landing page and asset, every ArcGIS page) was asked for
        assert all(server.hits[path] > 0 for path in server.paths_of(source.id)), source.id


def test_the_mirror_serves_the_publishers_layout_where_it_differs_from_the_snapshot(mirror, snapshot_dir):
    """Where the registry says the publisher serves another layout, the mirror really serves another file, and the
    live reader recovers the snapshot's canonical table from it (no build needed to see which source breaks)."""
    server, _ = mirror
    registry = load_registry(PROJECT_ROOT / "sources.yaml")
    differing = [source for source in registry.sources if source.live.serves is not None]
    assert len(differing) >= 15
    for source in differing:
        served = server.served[source.id]
        snapshot_file = snapshot_dir / source.snapshot_path
        assert served.read_bytes() != snapshot_file.read_bytes(), source.id
        snapshot_table = read_source(source, snapshot_file)
        carried = [c for c in snapshot_table.columns if c not in _not_published(source)]
        live_table = read_source(source, served, "live")[carried]
        assert live_table.equals(snapshot_table[carried]), source.id


def _not_published(source) -> list[str]:
    """Optional columns the snapshot copy has and the publisher's file does not (absent from `serves.headers`)."""
    serves = source.live.serves
    if serves is None or not serves.headers:
        return []
    return [c for c, spec in source.columns.items() if c not in serves.headers and not spec.required]


def test_the_raw_tables_equal_the_snapshot_builds(live_build, built_warehouse):
    """Each source's raw table, as its reader loads it, is the snapshot build's, value for value: optional
    columns the publisher does not carry are the only difference, and they are NULL."""
    assert live_build["result"].returncode == 0
    registry = load_registry(PROJECT_ROOT / "sources.yaml")
    live_db = live_build["warehouse"] / "build" / "ics_baseline.duckdb"
    with duckdb.connect(str(live_db), read_only=True) as con:
        con.execute(f"attach '{built_warehouse / 'build' / 'ics_baseline.duckdb'}' as snap (read_only)")
        for source in registry.sources:
            dropped = _not_published(source)
            columns = [
                r[0]
                for r in con.execute(
                    "select column_name from duckdb_columns() where database_name = 'snap' and schema_name = 'raw'"
                    " and table_name = ? order by column_index",
                    [source.id],
                ).fetchall()
            ]
            kept = ", ".join(f'"{c}"' for c in columns if c not in dropped)
            differences = con.execute(
                f"select count(*) from ((select {kept} from snap.raw.{source.id} except all"
                f" select {kept} from raw.{source.id}) union all (select {kept} from raw.{source.id} except all"
                f" select {kept} from snap.raw.{source.id}))"
            ).fetchone()[0]
            assert differences == 0, f"{source.id}: {differences} rows differ"
            for column in dropped:
                assert con.execute(f'select count("{column}") from raw.{source.id}').fetchone()[0] == 0


def test_the_published_figures_equal_the_snapshot_builds(live_build):
    """Every published table but the provenance ones holds the same rows; numbers agree to 1e-9, as the order in
    which DuckDB adds up a group is not fixed."""
    assert live_build["result"].returncode == 0
    snapshot_db = live_build["snapshot_release"] / "ics_baseline.duckdb"
    live_db = live_build["live_release"] / "ics_baseline.duckdb"
    with duckdb.connect(":memory:") as con:
        con.execute(f"attach '{snapshot_db}' as snap (read_only)")
        con.execute(f"attach '{live_db}' as live (read_only)")
        tables = [
            r[0]
            for r in con.execute(
                "select table_name from duckdb_tables() where database_name = 'snap' order by 1"
            ).fetchall()
        ]
        assert {"icb_indicators", "area_indicators", "icb_indicator_comparisons", "boundaries"} <= set(tables)
        compared = 0
        for table in tables:
            if table in PROVENANCE_TABLES:
                continue
            mismatches = _mismatched_rows(con, table)
            assert mismatches == 0, f"{table}: {mismatches} rows differ between the snapshot and live releases"
            compared += con.execute(f"select count(*) from snap.main.{table}").fetchone()[0]
        assert compared > 1_000_000


def _mismatched_rows(con: duckdb.DuckDBPyConnection, table: str) -> int:
    """Rows of `table` without an equal partner in the other release: every non-floating column equal (NULLs
    equal), floating columns within TOLERANCE, rows paired in order within equal keys."""
    columns = con.execute(
        "select column_name, data_type from duckdb_columns() where database_name = 'snap' and table_name = ?"
        " order by column_index",
        [table],
    ).fetchall()
    live_columns = con.execute(
        "select column_name, data_type from duckdb_columns() where database_name = 'live' and table_name = ?"
        " order by column_index",
        [table],
    ).fetchall()
    assert columns == live_columns, f"{table}: columns differ"
    columns = [(name, kind) for name, kind in columns if name not in PROVENANCE_COLUMNS.get(table, set())]
    floating = [name for name, kind in columns if kind in ("DOUBLE", "FLOAT") or kind.startswith("DECIMAL")]
    keys = [name for name, kind in columns if name not in floating]
    key_list = ", ".join(f'"{k}"' for k in keys) or "1"
    order = ", ".join(f'"{f}"' for f in floating) or "1"
    numbered = f"select *, row_number() over (partition by {key_list} order by {order}) as pair_index from"
    on = " and ".join([f'a."{k}" is not distinct from b."{k}"' for k in keys] + ["a.pair_index = b.pair_index"])
    close = " and ".join(
        f'(a."{f}" is not distinct from b."{f}" or abs(a."{f}" - b."{f}") <= {TOLERANCE}'
        f' * greatest(abs(a."{f}"), abs(b."{f}"), 1.0))'
        for f in floating
    )
    unmatched = "a.pair_index is null or b.pair_index is null" + (f" or not ({close})" if floating else "")
    return con.execute(
        f"with a as ({numbered} snap.main.{table}), b as ({numbered} live.main.{table})"
        f" select count(*) from a full join b on {on} where {unmatched}"
    ).fetchone()[0]

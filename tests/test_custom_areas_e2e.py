"""Custom areas on a real warehouse (`ics-baseline build --areas FILE`): bad files are refused before anything is
built, naming file, line and code, with the previous release byte-identical; a good file rebuilds only what depends
on it, and its areas get the figures of every other area type (checked against the ICBs' published counts and the
publisher's Census file read directly) and a pack (`ics-baseline pack --area`)."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pytest

from pipelines.areas import load_areas
from pipelines.incremental import MARKER_NAME
from tests.conftest import PROJECT_ROOT, cli_env, run_cli
from tests.test_custom_areas import BAD_CASES, BAD_FILES

pytestmark = pytest.mark.e2e

# Two whole ICB26s (neighbours, though nothing depends on it): their union must give the ratio of summed counts.
COALITION_ICB26S = ("E54000029", "E54000030")
# Hand-picked LSOAs: four in Halton (Cheshire and Merseyside) and one in Hartlepool (North East and North Cumbria),
# so the area is split across two ICBs.
HALTON_LSOAS = ("E01012392", "E01012393", "E01012395", "E01012411")
HARTLEPOOL_LSOA = "E01011954"
TENURE_FILE = "census2021_lsoa21/census2021_ts054_tenure_lsoa21_ew.csv"
ICB26_LOOKUP_FILE = "lookups/DERIVED_lsoa21_icb26_apr2026.csv"


@pytest.fixture(scope="module")
def warehouse(built_warehouse, tmp_path_factory) -> Path:
    """A private copy of the session's built warehouse: the custom areas build is an incremental one on it."""
    copy = tmp_path_factory.mktemp("custom_areas") / "warehouse"
    shutil.copytree(built_warehouse, copy, symlinks=True)
    return copy


def _release_hashes(warehouse: Path) -> dict[str, str]:
    """sha256 of every file of every release, and where `latest` points."""
    releases = warehouse / "releases"
    hashes = {
        str(path.relative_to(releases)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(releases.rglob("*"))
        if path.is_file() and not path.is_symlink()
    }
    return hashes | {"latest ->": str((releases / "latest").resolve().name)}


@pytest.fixture(scope="module")
def areas_file(snapshot_dir, tmp_path_factory) -> Path:
    icb26 = pd.read_csv(snapshot_dir / ICB26_LOOKUP_FILE, dtype=str)
    coalition = icb26[icb26.icb26_code.isin(COALITION_ICB26S)].lsoa21_code.sort_values()
    assert len(coalition) > 2000
    rows = [("coalition", "LONDON_EAST_SE", "East and South East London coalition", code) for code in coalition]
    rows += [("pcn", "PCN_HALTON", "Halton West PCN", code) for code in (*HALTON_LSOAS, HARTLEPOOL_LSOA)]
    # the same LSOA may be in an area of another set
    rows += [("pcn", "PCN_HALTON_B", "Halton B PCN", "E01012374")]
    path = tmp_path_factory.mktemp("areas") / "my areas.csv"
    pd.DataFrame(rows, columns=["area_set", "area_code", "area_name", "lsoa21_code"]).to_csv(path, index=False)
    return path


def _build(warehouse: Path, snapshot_dir: Path, *extra: str) -> subprocess.CompletedProcess:
    return run_cli("build", "--snapshot", str(snapshot_dir), "--warehouse", str(warehouse), *extra, timeout=900)


def test_without_an_areas_file_a_build_has_the_registrys_areas_only(built_warehouse):
    release = (built_warehouse / "releases" / "latest").resolve()
    types = set(_query(release, "select distinct area_type from areas").area_type)
    assert types == set(load_areas().area_types)
    marker = json.loads((built_warehouse / "build" / MARKER_NAME).read_text())
    assert marker["inputs"]["custom_areas"] == "none"


@pytest.mark.parametrize("name", sorted(BAD_CASES))
def test_a_bad_areas_file_is_refused_by_file_line_and_code_and_nothing_changes(warehouse, snapshot_dir, name):
    before, marker = _release_hashes(warehouse), (warehouse / "build" / MARKER_NAME).read_bytes()
    result = _build(warehouse, snapshot_dir, "--areas", str(BAD_FILES / name))
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stderr.splitlines()
    path = str(BAD_FILES / name)
    assert any(path in line and all(part in line for part in BAD_CASES[name]) for line in lines), result.stderr
    assert "the previous release is unchanged" in result.stderr
    # refused before the build started: no release, no build database or marker change
    assert _release_hashes(warehouse) == before
    assert (warehouse / "build" / MARKER_NAME).read_bytes() == marker
    assert "full build" not in result.stdout and "rebuilding" not in result.stdout


def test_a_dagster_deployment_reads_the_file_from_the_environment_and_refuses_it_before_dbt(warehouse, tmp_path):
    """The raw/custom_areas asset checks the codes against the LSOA lookup the build loaded, as a Dagster
    deployment runs it (ICS_BASELINE_CUSTOM_AREAS_FILE, no CLI check first): no model runs and nothing is published."""
    before, marker = _release_hashes(warehouse), (warehouse / "build" / MARKER_NAME).read_bytes()
    bad = tmp_path / "unknown_lsoa.csv"
    shutil.copy(BAD_FILES / "unknown_lsoa.csv", bad)
    script = (
        "import json; from pipelines.cli import run_build;"
        " print(json.dumps(run_build(changed_sources=('custom_areas',))))"
    )
    env = cli_env({"ICS_BASELINE_WAREHOUSE_DIR": str(warehouse), "ICS_BASELINE_CUSTOM_AREAS_FILE": str(bad)})
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr[-3000:]
    published, problems = json.loads(result.stdout.strip().splitlines()[-1])
    assert not published
    failure = next(p for p in problems if p.startswith("step raw__custom_areas failed"))
    assert str(bad) in failure and "line 3:" in failure and "'E01999999'" in failure, problems
    events = [json.loads(line) for line in (warehouse / "logs" / "build-events.jsonl").read_text().splitlines()]
    started = {e.get("step") for e in events if e["event"] == "STEP_START"}
    assert started == {"raw__custom_areas"}, started  # no dbt model ran, and no publication
    assert _release_hashes(warehouse) == before
    # nothing wrote the build database: the next build is still an incremental one
    assert (warehouse / "build" / MARKER_NAME).read_bytes() == marker


@pytest.fixture(scope="module")
def custom_build(warehouse, snapshot_dir, areas_file) -> dict:
    before = (warehouse / "releases" / "latest").resolve()
    result = _build(warehouse, snapshot_dir, "--areas", str(areas_file))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-5000:]
    after = (warehouse / "releases" / "latest").resolve()
    assert after != before
    return {"stdout": result.stdout, "before": before, "release": after}


def test_a_changed_areas_file_rebuilds_only_what_depends_on_it(warehouse, custom_build):
    assert "rebuilding custom_areas and what depends on them" in custom_build["stdout"]
    events = [json.loads(line) for line in (warehouse / "logs" / "build-events.jsonl").read_text().splitlines()]
    materialised = {e["asset"] for e in events if e["event"] == "ASSET_MATERIALIZATION"}
    assert {a for a in materialised if a.startswith("raw/")} == {"raw/custom_areas"}
    assert "intermediate/int_lsoa21_area_memberships_unioned" in materialised
    assert "marts/area_indicators" in materialised
    # the ICBs' memberships come from the registry's alone: they are not rebuilt, and no ICB figure moves
    assert "intermediate/int_lsoa21_icb_memberships_unioned" not in materialised
    assert "intermediate/int_lsoa21_area_memberships_listed" not in materialised
    for table in ("icb_indicators", "icb_indicator_comparisons", "icbs"):
        _assert_same_figures(custom_build["before"], custom_build["release"], table, "true")
    marker = json.loads((warehouse / "build" / MARKER_NAME).read_text())
    assert marker["release_id"] == custom_build["release"].name and marker["inputs"]["custom_areas"] != "none"


def _assert_same_figures(before: Path, after: Path, table: str, where: str) -> None:
    """The table's rows in two releases are the same figures: equal to float noise (DuckDB's parallel sums differ
    in the last bits from build to build), and without the rank columns, in which that noise breaks exact ties
    differently (main's ranking, not custom areas: two rebuilds of the same inputs differ the same way)."""
    keys = {"area_indicator_comparisons", "icb_indicator_comparisons"}
    columns = "* exclude (rank, quintile)" if table in keys else "*"
    sql = f"select {columns} from {table} where {where} order by all"
    pd.testing.assert_frame_equal(_query(before, sql), _query(after, sql), rtol=1e-9)


def _query(release: Path, sql: str, params: list | None = None) -> pd.DataFrame:
    with duckdb.connect(str(release / "ics_baseline.duckdb"), read_only=True) as con:
        return con.execute(sql, params or []).df()


def test_an_area_of_two_whole_icbs_has_the_ratio_of_their_summed_counts(custom_build):
    release = custom_build["release"]
    area = _query(
        release,
        "select * from area_indicators where area_type = 'coalition' and area_vintage = 'CUSTOM_COALITION'",
    )
    assert set(area.area_code) == {"LONDON_EAST_SE"}
    assert set(area.area_name) == {"East and South East London coalition"}
    exact = area[area.method == "lsoa_exact"]
    icbs = _query(
        release,
        "select * from icb_indicators where icb_vintage = 'ICB26' and icb_code in (?, ?)",
        list(COALITION_ICB26S),
    )
    # every indicator the ICBs have from small-area sums, the coalition has too (LSOA 2021 and 2011 sources), save
    # those the registry declares for ICBs only (finest_area_type icb: the share under an elected mayor, measured
    # on combined authorities' LSOA21s for the ICB civic map)
    icb_only = set(_query(release, "select id from indicators where finest_area_type = 'icb'").id)
    assert "icb_residents_under_elected_mayor_share" in icb_only
    assert set(exact.indicator_id) == set(icbs[icbs.method == "lsoa_exact"].indicator_id) - icb_only
    kinds = set()
    for row in exact.itertuples():
        pair = icbs[(icbs.indicator_id == row.indicator_id) & (icbs.period == row.period)]
        assert len(pair) == 2 and set(pair.method) == {"lsoa_exact"}, (row.indicator_id, row.period)
        if pair.numerator.notna().all():  # a proportion or percentage: the ratio of the summed counts
            numerator, denominator = pair.numerator.sum(), pair.denominator.sum()
            assert row.numerator == pytest.approx(numerator, rel=1e-12), row.indicator_id
            assert row.denominator == pytest.approx(denominator, rel=1e-12), row.indicator_id
            scale = 100 if row.unit == "percent" else 1
            assert row.value == pytest.approx(scale * numerator / denominator, rel=1e-12), row.indicator_id
            kinds.add("ratio")
        elif pair.denominator.notna().all():  # a mean score over residents: the two means weighted by residents
            assert row.denominator == pytest.approx(pair.denominator.sum(), rel=1e-12), row.indicator_id
            weighted = (pair.value * pair.denominator).sum() / pair.denominator.sum()
            assert row.value == pytest.approx(weighted, rel=1e-12), row.indicator_id
            kinds.add("mean")
        else:  # a count: the sum
            assert row.value == pytest.approx(pair.value.sum(), rel=1e-12), row.indicator_id
            kinds.add("count")
    assert kinds == {"ratio", "mean", "count"} and len(exact) >= 27


def test_hand_picked_lsoas_give_the_publishers_census_counts(custom_build, snapshot_dir):
    tenure = pd.read_csv(snapshot_dir / TENURE_FILE).set_index("geography code")
    picked = tenure.loc[[*HALTON_LSOAS, HARTLEPOOL_LSOA]]
    households = picked["Tenure of household: Total: All households"].sum()
    social = (
        picked["Tenure of household: Social rented: Rents from council or Local Authority"]
        + picked["Tenure of household: Social rented: Other social rented"]
    ).sum()
    figure = _query(
        custom_build["release"],
        "select * from area_indicators where area_code = 'PCN_HALTON' and indicator_id = ?",
        ["households_social_rented_share"],
    ).iloc[0]
    assert (figure.area_type, figure.area_vintage, figure.method) == ("pcn", "CUSTOM_PCN", "lsoa_exact")
    assert (figure.numerator, figure.denominator) == (social, households)
    assert figure.value == pytest.approx(social / households, rel=1e-12)


def test_the_areas_table_lists_custom_areas_with_their_icb_in_every_vintage(custom_build):
    areas = _query(custom_build["release"], "select * from areas where area_type in ('pcn', 'coalition')")
    icb_vintages = set(_query(custom_build["release"], "select distinct icb_vintage from icbs").icb_vintage)
    for code in ("PCN_HALTON", "LONDON_EAST_SE", "PCN_HALTON_B"):
        assert set(areas[areas.area_code == code].icb_vintage) == icb_vintages, code
    halton = areas[(areas.area_code == "PCN_HALTON") & (areas.icb_vintage == "ICB24")].set_index("icb_code")
    # four LSOAs in Cheshire and Merseyside, one in North East and North Cumbria
    assert halton.lsoa21_count_in_icb.to_dict() == {"E54000008": 4, "E54000050": 1}
    assert halton.is_split_across_icbs.all() and set(halton.lsoa21_count) == {5}
    assert halton.share_of_area_residents_in_icb.sum() == pytest.approx(1.0)
    coalition = areas[(areas.area_code == "LONDON_EAST_SE") & (areas.icb_vintage == "ICB26")].set_index("icb_code")
    assert set(coalition.index) == set(COALITION_ICB26S)
    # each ICB26 is wholly inside the coalition
    assert coalition.share_of_icb_residents_in_area.tolist() == pytest.approx([1.0, 1.0])
    assert set(areas.membership_basis) == {"custom_lsoa21_list"}


def test_pack_area_writes_a_workbook_and_report_for_a_custom_area(custom_build, warehouse, tmp_path):
    release = custom_build["release"]
    result = run_cli(
        "pack", "--area", "PCN_HALTON", "--release", release.name, "--warehouse", str(warehouse), "--out", str(tmp_path)
    )
    assert result.returncode == 0, result.stderr
    written = dict(line.split(": ", 1) for line in result.stdout.strip().splitlines())
    workbook_path, report_path = Path(written["workbook"]), Path(written["report"])
    assert workbook_path.parent == tmp_path / "custom_pcn" and workbook_path.name.startswith("pcn-halton-halton-west")
    figure = _query(
        release,
        "select value from area_indicators where area_code = 'PCN_HALTON' and indicator_id = ?",
        ["households_social_rented_share"],
    ).value[0]
    workbook = openpyxl.load_workbook(workbook_path, read_only=True)
    assert "Halton West PCN (PCN_HALTON)" in workbook["Summary"]["A2"].value
    cells = [row for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True)]
    social = [row for row in cells if "households_social_rented_share" in row]
    assert social and any(pytest.approx(figure) == value for row in social for value in row if isinstance(value, float))
    report = report_path.read_text(encoding="utf-8")
    assert "Halton West PCN" in report and "PCN_HALTON" in report

    # an ICB is pack --icb's; an unknown code is refused by name
    icb = run_cli("pack", "--area", COALITION_ICB26S[0], "--warehouse", str(warehouse), "--out", str(tmp_path))
    assert icb.returncode == 2 and f"pack --icb {COALITION_ICB26S[0]}" in icb.stderr
    unknown = run_cli("pack", "--area", "NOWHERE", "--warehouse", str(warehouse), "--out", str(tmp_path))
    assert unknown.returncode == 2 and "no area NOWHERE" in unknown.stderr


def test_a_build_without_the_file_drops_the_custom_areas_and_rebuilds_only_them(warehouse, snapshot_dir, custom_build):
    """Last: the file removed is a changed input like any other, and the release is the registry's areas again."""
    result = _build(warehouse, snapshot_dir)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-5000:]
    assert "rebuilding custom_areas and what depends on them" in result.stdout
    release = (warehouse / "releases" / "latest").resolve()
    assert set(_query(release, "select distinct area_type from areas").area_type) == set(load_areas().area_types)
    for table in ("area_indicators", "area_indicator_comparisons"):
        _assert_same_figures(custom_build["release"], release, table, "area_type not in ('pcn', 'coalition')")
    marker = json.loads((warehouse / "build" / MARKER_NAME).read_text())
    assert marker["inputs"]["custom_areas"] == "none"

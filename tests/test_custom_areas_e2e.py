"""A boundary vintage is data, and custom areas get every figure: one full build serves both, then the same
warehouse is rebuilt without the custom areas file.

The build (`build --sources --areas-registry --areas`) has a synthetic April 2027 ICB vintage (ICB27) made at test
time from the snapshot (two neighbouring ICB26s, Cornwall and the Isles of Scilly and Devon, merged into one new
ICB; one new entry per new file in a copy of sources.yaml, one new vintage row in a copy of areas.yaml) and a
custom areas file. It publishes with no change of code, expectation or test. The truths it is checked against are
the publisher's ICB26 lookup and boundary file and Census file read with pandas, and the ICB figures of the same
build: a merged ICB's (or a custom area's) exact LSOA sums are the sums of its parts' counts, and an ICB the merger
left alone has its ICB26 figures.

Custom areas (`ics-baseline build --areas FILE`): bad files are refused before anything is built, naming file,
line and code, with the previous release byte-identical; a changed file (here: removed) rebuilds only what depends
on it; custom areas get a pack (`ics-baseline pack --area`).
"""

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
import yaml

from pipelines.areas import AREAS_FILE, load_areas
from pipelines.incremental import MARKER_NAME
from pipelines.registry import load_registry
from tests.conftest import PROJECT_ROOT, cli_env, run_cli
from tests.test_custom_areas import BAD_CASES, BAD_FILES

pytestmark = pytest.mark.e2e

ICB26_LOOKUP = "lookups/DERIVED_lsoa21_icb26_apr2026.csv"
ICB26_BOUNDARIES = "boundaries/ICB_April_2026_EN_BSC.geojson"
MERGED = ("E54000036", "E54000037")  # Cornwall and the Isles of Scilly; Devon (neighbours in the South West)
NEW_CODE, NEW_NAME = "E54999999", "NHS Peninsula Integrated Care Board"
LOOKUP_ID, BOUNDARIES_ID = "synthetic_lsoa21_icb27_lookup", "synthetic_icb27_boundaries"

# Two whole ICB26s (neighbours, though nothing depends on it): their union must give the ratio of summed counts.
COALITION_ICB26S = ("E54000029", "E54000030")
# Hand-picked LSOAs: four in Halton (Cheshire and Merseyside) and one in Hartlepool (North East and North Cumbria),
# so the area is split across two ICBs.
HALTON_LSOAS = ("E01012392", "E01012393", "E01012395", "E01012411")
HARTLEPOOL_LSOA = "E01011954"
TENURE_FILE = "census2021_lsoa21/census2021_ts054_tenure_lsoa21_ew.csv"


def _write_future_vintage(snapshot_dir: Path, root: Path) -> tuple[Path, Path, Path]:
    """A mirror (the snapshot plus the two new files), and copies of both registries with the new vintage."""
    mirror = root / "snapshot"
    mirror.mkdir()
    for entry in snapshot_dir.iterdir():
        (mirror / entry.name).symlink_to(entry)
    future = mirror / "future"
    future.mkdir()

    lookup = pd.read_csv(snapshot_dir / ICB26_LOOKUP, dtype=str)
    merged = lookup["icb26_code"].isin(MERGED)
    icb27 = lookup[["lsoa21_code", "icb26_code", "icb26_name"]].rename(
        columns={"icb26_code": "icb27_code", "icb26_name": "icb27_name"}
    )
    icb27.loc[merged, ["icb27_code", "icb27_name"]] = [NEW_CODE, NEW_NAME]
    icb27.to_csv(future / "lsoa21_icb27_apr2027.csv", index=False)

    boundaries = json.loads((snapshot_dir / ICB26_BOUNDARIES).read_text(encoding="utf-8"))
    features, polygons = [], []
    for feature in boundaries["features"]:
        properties, geometry = feature["properties"], feature["geometry"]
        if properties["ICB26CD"] in MERGED:
            polygons += geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
            continue
        features.append({**feature, "properties": {"ICB27CD": properties["ICB26CD"], "ICB27NM": properties["ICB26NM"]}})
    features.append(
        {
            "type": "Feature",
            "properties": {"ICB27CD": NEW_CODE, "ICB27NM": NEW_NAME},
            "geometry": {"type": "MultiPolygon", "coordinates": polygons},
        }
    )
    (future / "ICB_April_2027_EN_BSC.geojson").write_text(
        json.dumps({**boundaries, "features": features}), encoding="utf-8"
    )

    sources = yaml.safe_load((PROJECT_ROOT / "sources.yaml").read_text(encoding="utf-8"))
    template = next(s for s in sources["sources"] if s["id"] == "derived_lsoa21_icb26_lookup")
    # A synthetic file has no publisher's layout of its own (the template's live.serves names ICB26 columns).
    template = {**template, "live": {k: v for k, v in template["live"].items() if k != "serves"}}
    sources["sources"] += [
        {
            **{k: template[k] for k in ("publisher", "licence", "domain", "cadence", "live", "format")},
            "id": LOOKUP_ID,
            "title": "LSOA (2021) to ICB (April 2027), synthetic: two ICB26s merged (tests)",
            "geography": {"level": "lookup", "code_vintage": "LSOA21/ICB27"},
            "snapshot_path": "future/lsoa21_icb27_apr2027.csv",
            "columns": {"lsoa21_code": ["lsoa21_code"], "icb27_code": ["icb27_code"], "icb27_name": ["icb27_name"]},
        },
        {
            **{k: template[k] for k in ("publisher", "licence", "domain", "cadence", "live")},
            "id": BOUNDARIES_ID,
            "title": "ICB (April 2027) boundaries, synthetic: two ICB26s merged (tests)",
            "geography": {"level": "icb", "code_vintage": "ICB27"},
            "snapshot_path": "future/ICB_April_2027_EN_BSC.geojson",
            "format": {"type": "geojson"},
            "columns": {"icb27_code": ["ICB27CD"], "icb27_name": ["ICB27NM"], "geometry": ["geometry"]},
        },
    ]
    sources_file = root / "sources.yaml"
    sources_file.write_text(yaml.safe_dump(sources, sort_keys=False), encoding="utf-8")

    areas = yaml.safe_load(AREAS_FILE.read_text(encoding="utf-8"))
    areas["area_types"]["icb"]["vintages"]["ICB27"] = {
        "label": "April 2027 boundaries (synthetic)",
        "expected_areas": int(icb27["icb27_code"].nunique()),
        "in_force_from": "2027-04-01",
        "membership": {
            "lookup": {"source": LOOKUP_ID, "lsoa": "lsoa21_code", "code": "icb27_code", "name": "icb27_name"}
        },
        "boundaries": {
            "file": {"source": BOUNDARIES_ID, "code": "icb27_code", "name": "icb27_name", "vintage": "ICB27"}
        },
    }
    areas_file = root / "areas.yaml"
    areas_file.write_text(yaml.safe_dump(areas, sort_keys=False), encoding="utf-8")
    return mirror, sources_file, areas_file


@pytest.fixture(scope="module")
def areas_file(snapshot_dir, tmp_path_factory) -> Path:
    icb26 = pd.read_csv(snapshot_dir / ICB26_LOOKUP, dtype=str)
    coalition = icb26[icb26.icb26_code.isin(COALITION_ICB26S)].lsoa21_code.sort_values()
    assert len(coalition) > 2000
    rows = [("coalition", "LONDON_EAST_SE", "East and South East London coalition", code) for code in coalition]
    rows += [("pcn", "PCN_HALTON", "Halton West PCN", code) for code in (*HALTON_LSOAS, HARTLEPOOL_LSOA)]
    # the same LSOA may be in an area of another set
    rows += [("pcn", "PCN_HALTON_B", "Halton B PCN", "E01012374")]
    path = tmp_path_factory.mktemp("areas") / "my areas.csv"
    pd.DataFrame(rows, columns=["area_set", "area_code", "area_name", "lsoa21_code"]).to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def shared_build(tmp_path_factory, snapshot_dir, areas_file) -> dict:
    """The module's one full build: the future vintage in copies of both registries, and the custom areas file."""
    root = tmp_path_factory.mktemp("future_vintage")
    mirror, sources_file, areas_registry = _write_future_vintage(snapshot_dir, root)
    warehouse = root / "warehouse"
    built = {
        "warehouse": warehouse,
        "mirror": mirror,
        "sources_file": sources_file,
        "areas_registry": areas_registry,
        "registries": ("--sources", str(sources_file), "--areas-registry", str(areas_registry)),
    }
    # a cold build with packs: 3-6 min alone, longer beside the suite's other builds
    result = _build(built, "--areas", str(areas_file), timeout=1800)
    if result.returncode != 0:
        pytest.fail(f"build failed ({result.returncode}):\n{result.stdout[-4000:]}\n{result.stderr[-8000:]}")
    # resolved now: the last test rebuilds the warehouse without the file, which moves `latest`
    return built | {"release": (warehouse / "releases" / "latest").resolve()}


def _build(built: dict, *extra: str, timeout: int = 900) -> subprocess.CompletedProcess:
    """`ics-baseline build` of the module's warehouse, with its mirror and registries."""
    where = ("--snapshot", str(built["mirror"]), "--warehouse", str(built["warehouse"]))
    return run_cli("build", *where, *built["registries"], *extra, timeout=timeout)


@pytest.fixture(scope="module")
def future(shared_build, snapshot_dir) -> dict:
    return {
        "release": shared_build["release"],
        "areas": load_areas(shared_build["areas_registry"], load_registry(shared_build["sources_file"])),
        "lookup": pd.read_csv(snapshot_dir / ICB26_LOOKUP, dtype=str),
        "boundaries": json.loads((snapshot_dir / ICB26_BOUNDARIES).read_text(encoding="utf-8")),
    }


@pytest.fixture(scope="module")
def warehouse(shared_build) -> Path:
    return shared_build["warehouse"]


@pytest.fixture(scope="module")
def custom_build(shared_build) -> dict:
    """The release with the custom areas (the module's full build)."""
    return {"release": shared_build["release"]}


@pytest.fixture(scope="module")
def without_file_build(shared_build) -> dict:
    """The same warehouse rebuilt without the custom areas file: a changed input like any other."""
    before = shared_build["release"]
    result = _build(shared_build)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-5000:]
    after = (shared_build["warehouse"] / "releases" / "latest").resolve()
    assert after != before
    return {"stdout": result.stdout, "before": before, "release": after}


# -- a future boundary vintage --------------------------------------------------------------------------------


def _query_future(future: dict, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(future["release"] / "ics_baseline.duckdb"), read_only=True) as con:
        return con.sql(sql).df()


def test_the_new_vintage_has_every_icb_of_its_lookup(future):
    icbs = _query_future(future, "select * from icbs where icb_vintage = 'ICB27'").set_index("icb_code")
    expected = future["areas"].expected_areas("icb")["ICB27"]
    assert len(icbs) == expected == 35
    counts = future["lookup"].loc[future["lookup"]["lsoa21_code"].str.startswith("E01"), "icb26_code"].value_counts()
    assert icbs.loc[NEW_CODE, "lsoa21_count"] == counts[list(MERGED)].sum()
    assert icbs.loc[NEW_CODE, "icb_name"] == NEW_NAME
    # the merged ICB stays in its parts' NHS region
    region = _query_future(
        future, f"select distinct nhs_region_code from icbs where icb_code in {MERGED} and icb_vintage = 'ICB26'"
    )
    assert icbs.loc[NEW_CODE, "nhs_region_code"] == region["nhs_region_code"].item()
    assert icbs["nhs_region_code"].notna().all()
    # every place and neighbourhood knows its ICB in the new vintage too
    areas = _query_future(
        future,
        """
        select area_type, count(distinct area_code) as areas, count(distinct icb_code) as icbs from areas
        where icb_vintage = 'ICB27' group by 1
        """,
    ).set_index("area_type")
    expected_places = {t: future["areas"].expected_areas(t) for t in ("lad", "msoa")}
    assert areas.loc["lad", "areas"] == expected_places["lad"]["LAD24"]
    assert areas.loc["msoa", "areas"] == expected_places["msoa"]["MSOA21"]
    assert (areas.loc[["lad", "msoa"], "icbs"] == 35).all()


def test_the_new_vintage_gets_every_indicator_of_icb26(future):
    per_icb = _query_future(
        future,
        """
        select icb_vintage, indicator_id, period, count(*) as icbs, count(value) as icbs_with_value
        from icb_indicators where icb_vintage in ('ICB26', 'ICB27') group by all
        """,
    )
    icb26 = per_icb[per_icb["icb_vintage"] == "ICB26"].set_index(["indicator_id", "period"])
    icb27 = per_icb[per_icb["icb_vintage"] == "ICB27"].set_index(["indicator_id", "period"])
    assert set(icb27.index) == set(icb26.index)
    icb26 = icb26.loc[icb27.index]
    # one ICB fewer: no indicator loses a figure or a value anywhere but where the two ICB26s merged
    assert (icb27["icbs"] <= 35).all() and (icb27["icbs"] >= icb26["icbs"] - 1).all()
    assert (icb27["icbs_with_value"] >= icb26["icbs_with_value"] - 1).all()
    assert (icb27["icbs"] == 35).mean() > 0.9


def test_merged_icb_exact_figures_are_the_ratio_of_its_parts_summed_counts(future):
    figures = _query_future(
        future,
        f"""
        select icb_vintage, icb_code, indicator_id, period, value, numerator, denominator
        from icb_indicators
        where method = 'lsoa_exact' and numerator is not null and denominator > 0
            and (
                (icb_vintage = 'ICB26' and icb_code in {MERGED})
                or (icb_vintage = 'ICB27' and icb_code = '{NEW_CODE}')
            )
        """,
    )
    parts = figures[figures["icb_vintage"] == "ICB26"].groupby(["indicator_id", "period"])
    summed = parts[["numerator", "denominator"]].sum()
    # the unit's scale (a share, a percentage, per 1,000) as the parts publish it
    scale = parts.apply(
        lambda g: (g["value"] / (g["numerator"] / g["denominator"]))[g["numerator"] > 0].median(), include_groups=False
    )
    merged = figures[figures["icb_vintage"] == "ICB27"].set_index(["indicator_id", "period"])
    assert len(merged) >= 20 and set(merged.index) == set(summed.index)
    joined = merged.join(summed, rsuffix="_parts").join(scale.rename("scale"))
    pd.testing.assert_series_equal(joined["numerator"], joined["numerator_parts"], check_names=False, rtol=1e-9)
    pd.testing.assert_series_equal(joined["denominator"], joined["denominator_parts"], check_names=False, rtol=1e-9)
    # where the parts count nothing (no resident of Cornwall or Devon is under an elected mayor) the ratio is 0
    # whatever the unit's scale, which the parts' zeros cannot show
    expected = (joined["numerator_parts"] / joined["denominator_parts"] * joined["scale"]).where(
        joined["numerator_parts"] != 0, 0.0
    )
    pd.testing.assert_series_equal(joined["value"], expected, check_names=False, rtol=1e-6)


def test_icbs_the_merger_left_alone_keep_their_icb26_figures(future):
    figures = _query_future(
        future,
        """
        select icb_vintage, icb_code, indicator_id, period, value, numerator, denominator
        from icb_indicators where method = 'lsoa_exact' and icb_vintage in ('ICB26', 'ICB27')
        """,
    )
    keys = ["icb_code", "indicator_id", "period"]
    icb26 = figures[(figures["icb_vintage"] == "ICB26") & ~figures["icb_code"].isin(MERGED)].set_index(keys)
    icb27 = figures[(figures["icb_vintage"] == "ICB27") & (figures["icb_code"] != NEW_CODE)].set_index(keys)
    assert len(icb27) >= 34 * 20 and set(icb27.index) == set(icb26.index)
    icb26 = icb26.loc[icb27.index]
    for column in ("value", "numerator", "denominator"):
        pd.testing.assert_series_equal(icb27[column], icb26[column], check_names=False, rtol=1e-9)


def test_the_new_vintage_is_compared_and_has_peers(future):
    comparisons = _query_future(
        future,
        """
        select count(*) as rows, count(england_value) as with_england, count(region_value) as with_region,
            max(rank_of) as most_ranked, count(distinct icb_code) as icbs
        from icb_indicator_comparisons where icb_vintage = 'ICB27'
        """,
    ).iloc[0]
    assert comparisons["icbs"] == 35 and comparisons["most_ranked"] == 35
    assert comparisons["with_england"] > 0.9 * comparisons["rows"]
    assert comparisons["with_region"] > 0
    peers = _query_future(
        future, "select icb_code, count(*) as peers from icb_peers where icb_vintage = 'ICB27' group by 1"
    )
    assert len(peers) == 35 and (peers["peers"] == 5).all()


def test_the_new_vintage_is_drawn_with_its_own_boundaries(future):
    boundaries = _query_future(
        future, "select * from boundaries where icb_vintage = 'ICB27' and area_type = 'icb'"
    ).set_index("area_code")
    assert len(boundaries) == 35 and set(boundaries["boundary_vintage"]) == {"ICB27"}
    assert boundaries["geometry_geojson"].notna().all()
    merged = json.loads(boundaries.loc[NEW_CODE, "geometry_geojson"])
    parts = [f["geometry"] for f in future["boundaries"]["features"] if f["properties"]["ICB26CD"] in MERGED]
    polygons = sum(len(g["coordinates"]) if g["type"] == "MultiPolygon" else 1 for g in parts)
    assert merged["type"] == "MultiPolygon" and len(merged["coordinates"]) == polygons


def test_a_vintage_in_force_next_year_gets_packs(future):
    packs = sorted((future["release"] / "packs" / "icb27").glob("*.html"))
    assert len(packs) == 35
    merged = [p for p in packs if p.name.startswith(NEW_CODE)]
    assert len(merged) == 1 and NEW_NAME in merged[0].read_text(encoding="utf-8")
    assert (future["release"] / "packs" / "icb27" / merged[0].name.replace(".html", ".xlsx")).is_file()
    assert (future["release"] / "csv" / "icb27.zip").is_file()


# -- custom areas ---------------------------------------------------------------------------------------------


def _release_hashes(warehouse: Path) -> dict[str, str]:
    """sha256 of every file of every release, and where `latest` points."""
    releases = warehouse / "releases"
    hashes = {
        str(path.relative_to(releases)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(releases.rglob("*"))
        if path.is_file() and not path.is_symlink()
    }
    return hashes | {"latest ->": str((releases / "latest").resolve().name)}


@pytest.mark.parametrize("name", sorted(BAD_CASES))
def test_a_bad_areas_file_is_refused_by_file_line_and_code_and_nothing_changes(shared_build, warehouse, name):
    before, marker = _release_hashes(warehouse), (warehouse / "build" / MARKER_NAME).read_bytes()
    result = _build(shared_build, "--areas", str(BAD_FILES / name))
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stderr.splitlines()
    path = str(BAD_FILES / name)
    assert any(path in line and all(part in line for part in BAD_CASES[name]) for line in lines), result.stderr
    assert "the previous release is unchanged" in result.stderr
    # refused before the build started: no release, no build database or marker change
    assert _release_hashes(warehouse) == before
    assert (warehouse / "build" / MARKER_NAME).read_bytes() == marker
    assert "full build" not in result.stdout and "rebuilding" not in result.stdout


def test_a_dagster_deployment_reads_the_file_from_the_environment_and_refuses_it_before_dbt(
    shared_build, warehouse, tmp_path
):
    """The raw/custom_areas asset checks the codes against the LSOA lookup the build loaded, as a Dagster
    deployment runs it (ICS_BASELINE_CUSTOM_AREAS_FILE, no CLI check first): no model runs and nothing is published."""
    before, marker = _release_hashes(warehouse), (warehouse / "build" / MARKER_NAME).read_bytes()
    bad = tmp_path / "unknown_lsoa.csv"
    shutil.copy(BAD_FILES / "unknown_lsoa.csv", bad)
    script = (
        "import json; from pipelines.cli import run_build;"
        " print(json.dumps(run_build(changed_sources=('custom_areas',))))"
    )
    env = cli_env(
        {
            "ICS_BASELINE_WAREHOUSE_DIR": str(warehouse),
            "ICS_BASELINE_SNAPSHOT_DIR": str(shared_build["mirror"]),
            "ICS_BASELINE_SOURCES_FILE": str(shared_build["sources_file"]),
            "ICS_BASELINE_AREAS_FILE": str(shared_build["areas_registry"]),
            "ICS_BASELINE_CUSTOM_AREAS_FILE": str(bad),
        }
    )
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


def test_a_changed_areas_file_rebuilds_only_what_depends_on_it(warehouse, without_file_build):
    """The file removed: only the custom areas and what depends on them are rebuilt (last in the module: the
    build moves `latest`)."""
    assert "rebuilding custom_areas and what depends on them" in without_file_build["stdout"]
    events = [json.loads(line) for line in (warehouse / "logs" / "build-events.jsonl").read_text().splitlines()]
    materialised = {e["asset"] for e in events if e["event"] == "ASSET_MATERIALIZATION"}
    assert {a for a in materialised if a.startswith("raw/")} == {"raw/custom_areas"}
    assert "intermediate/int_lsoa21_area_memberships_unioned" in materialised
    assert "marts/area_indicators" in materialised
    # the ICBs' memberships come from the registry's alone: they are not rebuilt, and no ICB figure moves
    assert "intermediate/int_lsoa21_icb_memberships_unioned" not in materialised
    assert "intermediate/int_lsoa21_area_memberships_listed" not in materialised
    for table in ("icb_indicators", "icb_indicator_comparisons", "icbs"):
        _assert_same_figures(without_file_build["before"], without_file_build["release"], table, "true")
    marker = json.loads((warehouse / "build" / MARKER_NAME).read_text())
    assert marker["release_id"] == without_file_build["release"].name and marker["inputs"]["custom_areas"] == "none"


def test_a_build_without_the_file_drops_the_custom_areas(shared_build, without_file_build):
    """Without an areas file a build has the registry's areas only (the session's build says so in its marker too:
    tests/test_incremental_e2e.py)."""
    release = without_file_build["release"]
    registry = load_areas(shared_build["areas_registry"], load_registry(shared_build["sources_file"]))
    assert set(_query(release, "select distinct area_type from areas").area_type) == set(registry.area_types)
    for table in ("area_indicators", "area_indicator_comparisons"):
        _assert_same_figures(without_file_build["before"], release, table, "area_type not in ('pcn', 'coalition')")

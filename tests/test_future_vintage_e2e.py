"""A boundary vintage is data: a synthetic April 2027 ICB vintage (ICB27) made from the snapshot builds and
publishes with no change of code, expectation or test.

At test time the ICB26 lookup and boundaries are read from the snapshot, two neighbouring ICB26s (Cornwall and the
Isles of Scilly, Devon) are merged into one new ICB, and the build is pointed at a copy of sources.yaml with one
entry per new file and a copy of areas.yaml with one new vintage row (`build --sources --areas-registry`). The
truths it is checked against are the publisher's ICB26 lookup and boundary file read with pandas, and the ICB26
figures of the same build: a merged ICB's exact LSOA sums are the sums of its parts' counts, and an ICB the merger
left alone has its ICB26 figures.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import yaml

from pipelines.areas import AREAS_FILE, load_areas
from pipelines.registry import load_registry
from tests.conftest import PROJECT_ROOT, run_cli

ICB26_LOOKUP = "lookups/DERIVED_lsoa21_icb26_apr2026.csv"
ICB26_BOUNDARIES = "boundaries/ICB_April_2026_EN_BSC.geojson"
MERGED = ("E54000036", "E54000037")  # Cornwall and the Isles of Scilly; Devon (neighbours in the South West)
NEW_CODE, NEW_NAME = "E54999999", "NHS Peninsula Integrated Care Board"
LOOKUP_ID, BOUNDARIES_ID = "synthetic_lsoa21_icb27_lookup", "synthetic_icb27_boundaries"

pytestmark = pytest.mark.e2e


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
def future(tmp_path_factory, snapshot_dir) -> dict:
    root = tmp_path_factory.mktemp("future_vintage")
    mirror, sources_file, areas_file = _write_future_vintage(snapshot_dir, root)
    warehouse = root / "warehouse"
    result = run_cli(
        "build",
        "--snapshot",
        str(mirror),
        "--warehouse",
        str(warehouse),
        "--sources",
        str(sources_file),
        "--areas-registry",
        str(areas_file),
        timeout=1800,  # a cold build with packs: 3-6 min alone, longer beside the suite's other builds
    )
    if result.returncode != 0:
        pytest.fail(f"build failed ({result.returncode}):\n{result.stdout[-4000:]}\n{result.stderr[-8000:]}")
    return {
        "release": warehouse / "releases" / "latest",
        "areas": load_areas(areas_file, load_registry(sources_file)),
        "lookup": pd.read_csv(snapshot_dir / ICB26_LOOKUP, dtype=str),
        "boundaries": json.loads((snapshot_dir / ICB26_BOUNDARIES).read_text(encoding="utf-8")),
    }


def _query(future: dict, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(future["release"] / "ics_baseline.duckdb"), read_only=True) as con:
        return con.sql(sql).df()


def test_the_new_vintage_has_every_icb_of_its_lookup(future):
    icbs = _query(future, "select * from icbs where icb_vintage = 'ICB27'").set_index("icb_code")
    expected = future["areas"].expected_areas("icb")["ICB27"]
    assert len(icbs) == expected == 35
    counts = future["lookup"].loc[future["lookup"]["lsoa21_code"].str.startswith("E01"), "icb26_code"].value_counts()
    assert icbs.loc[NEW_CODE, "lsoa21_count"] == counts[list(MERGED)].sum()
    assert icbs.loc[NEW_CODE, "icb_name"] == NEW_NAME
    # the merged ICB stays in its parts' NHS region
    region = _query(
        future, f"select distinct nhs_region_code from icbs where icb_code in {MERGED} and icb_vintage = 'ICB26'"
    )
    assert icbs.loc[NEW_CODE, "nhs_region_code"] == region["nhs_region_code"].item()
    assert icbs["nhs_region_code"].notna().all()
    # every place and neighbourhood knows its ICB in the new vintage too
    areas = _query(
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
    per_icb = _query(
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
    figures = _query(
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
    figures = _query(
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
    comparisons = _query(
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
    peers = _query(future, "select icb_code, count(*) as peers from icb_peers where icb_vintage = 'ICB27' group by 1")
    assert len(peers) == 35 and (peers["peers"] == 5).all()


def test_the_new_vintage_is_drawn_with_its_own_boundaries(future):
    boundaries = _query(future, "select * from boundaries where icb_vintage = 'ICB27' and area_type = 'icb'").set_index(
        "area_code"
    )
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

"""The published boundaries mart against the snapshot's GeoJSON files and an independent deprivation share."""

from __future__ import annotations

import json
import re

import duckdb
import numpy as np
import pandas as pd
import pytest

from pipelines.areas import load_areas
from pipelines.registry import load_registry
from tests.conftest import PROJECT_ROOT

REGISTRY = load_registry(PROJECT_ROOT / "sources.yaml")
ICB_VINTAGES = load_areas(registry=REGISTRY).vintages_of("icb")

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def boundaries(built_warehouse) -> pd.DataFrame:
    with duckdb.connect(str(built_warehouse / "releases" / "latest" / "ics_baseline.duckdb"), read_only=True) as con:
        return con.sql("select * from boundaries").df()


def _coordinates(geometry: dict) -> np.ndarray:
    flat = re.findall(r"-?\d+(?:\.\d+)?(?:e-?\d+)?", json.dumps(geometry["coordinates"]))
    return np.array(flat, dtype=float).reshape(-1, 2)


@pytest.mark.parametrize(
    "vintage", [v for v, about in ICB_VINTAGES.items() if about.boundaries and about.boundaries.file]
)
def test_geometries_are_the_registered_files_features_rounded_to_four_places(boundaries, snapshot_dir, vintage):
    """Each vintage with a boundary file in the registry of areas is drawn with that file's features."""
    declared = ICB_VINTAGES[vintage].boundaries.file
    source = REGISTRY.by_id[declared.source]
    code_property = source.columns[declared.code].aliases[0]
    features = json.loads((snapshot_dir / source.snapshot_path).read_text())["features"]
    published = boundaries[(boundaries.area_type == "icb") & (boundaries.icb_vintage == vintage)]
    assert set(published.boundary_vintage) == {declared.vintage}
    assert set(published.area_code) == {f["properties"][code_property] for f in features}
    for feature in features:
        row = published[published.area_code == feature["properties"][code_property]].iloc[0]
        mine = json.loads(row.geometry_geojson)
        assert mine["type"] == feature["geometry"]["type"]
        original, rounded = _coordinates(feature["geometry"]), _coordinates(mine)
        assert original.shape == rounded.shape
        assert np.abs(original - rounded).max() <= 0.00005 + 1e-12
        assert not re.search(r"\.\d{5,}", row.geometry_geojson)


def test_icb22_is_drawn_with_the_april_2023_boundaries(boundaries):
    icb22 = boundaries[(boundaries.area_type == "icb") & (boundaries.icb_vintage == "ICB22")].set_index("area_code")
    icb24 = boundaries[(boundaries.area_type == "icb") & (boundaries.icb_vintage == "ICB24")].set_index("area_code")
    expected = load_areas().expected_areas("icb")
    assert (len(icb22), len(icb24)) == (expected["ICB22"], expected["ICB24"])
    shared = icb22.index.intersection(icb24.index)
    assert len(shared) == 40
    assert (icb22.loc[shared, "geometry_geojson"] == icb24.loc[shared, "geometry_geojson"]).all()
    # the two codes that changed in April 2023 take the boundary of the renamed successor
    assert icb22.loc["E54000052", "geometry_geojson"] == icb24.loc["E54000063", "geometry_geojson"]
    assert icb22.loc["E54000053", "geometry_geojson"] == icb24.loc["E54000064", "geometry_geojson"]


def test_each_vintage_draws_all_english_districts_and_regions(boundaries, snapshot_dir):
    lads = json.loads((snapshot_dir / "boundaries" / "LAD_May_2024_UK_BSC.geojson").read_text())
    english = {f["properties"]["LAD24CD"] for f in lads["features"] if re.match(r"E0[6-9]", f["properties"]["LAD24CD"])}
    for vintage in ICB_VINTAGES:
        rows = boundaries[boundaries.icb_vintage == vintage]
        assert set(rows[rows.area_type == "lad"].area_code) == english
        assert (rows.area_type == "nhs_region").sum() == 7


def test_district_deprivation_share_matches_an_independent_count(boundaries, snapshot_dir):
    """Residents in IMD 2025 decile 1 over all residents, from the snapshot files directly."""
    imd = pd.read_csv(snapshot_dir / "imd2025" / "IoD2025_lsoa21_scores_ranks_deciles.csv")
    imd = imd.rename(columns={"IMD_decile": "imd_decile"})[["lsoa21_code", "imd_decile"]]
    lookup = pd.read_csv(snapshot_dir / "lookups" / "lsoa21_ward24_lad24_ew.csv")[["lsoa21_code", "ltla24_code"]]
    # usual residents are the TS038 total, as the warehouse's population base
    residents = pd.read_csv(
        snapshot_dir / "census2021_lsoa21" / "census2021_ts038_disability_lsoa21_ew.csv",
        usecols=["geography code", "Disability: Total: All usual residents"],
    )
    residents.columns = ["lsoa21_code", "residents"]
    merged = lookup.merge(residents, on="lsoa21_code").merge(imd, on="lsoa21_code")
    merged["deprived"] = merged["residents"].where(merged["imd_decile"] == 1, 0)
    expected = merged.groupby("ltla24_code")[["deprived", "residents"]].sum()
    expected = expected["deprived"] / expected["residents"]
    published = boundaries[(boundaries.area_type == "lad") & (boundaries.icb_vintage == "ICB26")].set_index("area_code")
    joined = published["most_deprived_decile_share"].to_frame("published").join(expected.rename("expected"))
    assert joined["expected"].notna().all()
    assert np.allclose(joined["published"], joined["expected"], atol=1e-12)
    assert joined["published"].max() > 0.3  # some districts are heavily deprived; none are all decile 1


def test_every_english_msoa_is_drawn_once_for_every_vintage_rounded_to_four_places(boundaries, snapshot_dir):
    """The neighbourhood maps' MSOAs: the boundary file's English features, each once (icb_vintage NULL, not one
    copy per ICB vintage), coordinates rounded to 4 places."""
    source = json.loads((snapshot_dir / "boundaries" / "MSOA_2021_EW_BSC_V2_geographr_simplified.geojson").read_text())
    english = {
        f["properties"]["msoa21_code"]: f for f in source["features"] if f["properties"]["msoa21_code"][0] == "E"
    }
    assert len(english) == 6856
    published = boundaries[boundaries.area_type == "msoa"]
    assert published.icb_vintage.isna().all() and published.nhs_region_code.isna().all()
    assert (published.boundary_vintage == "MSOA21").all()
    assert sorted(published.area_code) == sorted(english)  # each once
    for row in published.sample(300, random_state=12).itertuples():
        feature = english[row.area_code]
        assert row.area_name == feature["properties"]["msoa21_name"]
        mine = json.loads(row.geometry_geojson)
        original, rounded = _coordinates(feature["geometry"]), _coordinates(mine)
        assert original.shape == rounded.shape
        assert np.abs(original - rounded).max() <= 0.00005 + 1e-12
    assert not published.geometry_geojson.str.contains(r"\.\d{5,}").any()

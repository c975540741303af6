"""The published `areas` table on the real snapshot build, against truths the build does not compute: the areas
listed in the publishers' own boundary files, Census 2021 totals from another Census table, and the ONS rule
that an MSOA's name is its district's name and a number."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from pipelines.areas import load_areas

pytestmark = pytest.mark.e2e

AREAS = load_areas()
ICB_VINTAGES = list(AREAS.vintages_of("icb"))


@pytest.fixture(scope="module")
def areas(built_warehouse) -> pd.DataFrame:
    release = (built_warehouse / "releases" / "latest").resolve()
    with duckdb.connect(str(release / "ics_baseline.duckdb"), read_only=True) as con:
        return con.execute("select * from areas").df()


def _geojson_codes(snapshot_dir: Path, relative: str, field: str, prefix: str) -> dict[str, str]:
    collection = json.loads((snapshot_dir / relative).read_text(encoding="utf-8"))
    codes = {}
    for feature in collection["features"]:
        properties = {k.lower(): v for k, v in feature["properties"].items()}
        code = properties[f"{field}cd" if f"{field}cd" in properties else f"{field}_code"]
        if code.startswith(prefix):
            codes[code] = properties[f"{field}nm" if f"{field}nm" in properties else f"{field}_name"]
    return codes


def _one_row_per_area(areas: pd.DataFrame, area_type: str) -> pd.DataFrame:
    return areas[areas.area_type == area_type].drop_duplicates(["area_vintage", "area_code"]).set_index("area_code")


@pytest.mark.parametrize(
    ("area_type", "boundary_file", "field", "prefixes", "expected"),
    [
        ("lad", "boundaries/LAD_May_2024_UK_BSC.geojson", "lad24", ("E06", "E07", "E08", "E09"), 296),
        ("msoa", "boundaries/MSOA_2021_EW_BSC_V2_geographr_simplified.geojson", "msoa21", ("E02",), 6856),
    ],
)
def test_every_english_district_and_msoa_is_an_area_with_its_icb_in_every_vintage(
    areas, snapshot_dir, area_type, boundary_file, field, prefixes, expected
):
    published = {}
    for prefix in prefixes:
        published |= _geojson_codes(snapshot_dir, boundary_file, field, prefix)
    assert len(published) == expected  # the publisher's own list of the areas
    rows = areas[areas.area_type == area_type]
    assert set(rows.area_code) == set(published)
    for vintage in ICB_VINTAGES:
        in_vintage = rows[rows.icb_vintage == vintage]
        assert set(in_vintage.area_code) == set(published), vintage
        total = in_vintage.groupby("area_code").share_of_area_residents_in_icb.sum()
        assert (total - 1).abs().max() < 1e-9, vintage
    names = _one_row_per_area(areas, area_type).area_name.to_dict()
    if area_type == "msoa":  # named by the LSOAs' names, they are the names the boundary file gives them
        assert names == published


def test_district_and_england_residents_are_the_census_totals_of_another_table(areas, snapshot_dir):
    """TS038 (disability, by LSOA) summed by the build against the Census age and sex table by district."""
    with (snapshot_dir / "population" / "census2021_lad21_age_sex_bands.csv").open(encoding="utf-8") as handle:
        totals = {row["ltla21_code"]: int(row["total_population"]) for row in csv.DictReader(handle)}
    districts = _one_row_per_area(areas, "lad").usual_residents_2021
    unchanged = [code for code in districts.index if code in totals]
    assert len(unchanged) >= 290  # all but the districts created in April 2023
    assert {code: int(districts[code]) for code in unchanged} == {code: totals[code] for code in unchanged}
    england = _one_row_per_area(areas, "england")
    english = sum(total for code, total in totals.items() if code.startswith("E"))
    assert int(england.loc["E92000001", "usual_residents_2021"]) == english


def test_msoas_nest_in_the_district_their_name_gives(built_warehouse, areas):
    """An MSOA is named after its district (`Hartlepool 001`), and all of its LSOA21s lie in that district."""
    with duckdb.connect(str(built_warehouse / "build" / "ics_baseline.duckdb"), read_only=True) as con:
        pairs = con.execute(
            """
            select msoa.area_code as msoa_code, msoa.area_name as msoa_name,
                   count(distinct lad.area_code) as districts, min(lad.area_name) as district_name
            from intermediate.int_lsoa21_area_memberships_unioned as msoa
            join intermediate.int_lsoa21_area_memberships_unioned as lad
              on msoa.lsoa21_code = lad.lsoa21_code and lad.area_vintage = 'LAD24'
            where msoa.area_vintage = 'MSOA21'
            group by all
            """
        ).df()
    assert len(pairs) == 6856
    assert (pairs.districts == 1).all()
    district_of_name = pairs.msoa_name.map(lambda name: re.sub(r" \d{3}$", "", name))
    # names follow the district's name, except where the district was renamed or merged after 2021
    mismatched = pairs[district_of_name != pairs.district_name]
    assert len(mismatched) < 0.06 * len(pairs), mismatched.head(10)


def test_an_icb_is_its_own_parent_and_places_share_out_its_residents(areas):
    for vintage in ICB_VINTAGES:
        icbs = areas[(areas.area_type == "icb") & (areas.area_vintage == vintage) & (areas.icb_vintage == vintage)]
        assert (icbs.area_code == icbs.icb_code).all() and (icbs.share_of_area_residents_in_icb == 1).all()
        districts = areas[(areas.area_type == "lad") & (areas.icb_vintage == vintage)]
        shares = districts.groupby("icb_code").share_of_icb_residents_in_area.sum()
        assert len(shares) == len(icbs) and (shares - 1).abs().max() < 1e-9
        split = districts[districts.is_split_across_icbs]
        assert (split.groupby("area_code").icb_code.nunique() > 1).all()


def test_upper_tier_councils_and_sub_icb_locations_are_the_publishers_lists(areas, snapshot_dir):
    with (snapshot_dir / "lookups" / "lad23_utla23_ew.csv").open(encoding="utf-8") as handle:
        councils = {row["utla23_code"]: row["utla23_name"] for row in csv.DictReader(handle)}
    english = {code: name for code, name in councils.items() if code.startswith("E")}
    assert _one_row_per_area(areas, "utla").area_name.to_dict() == english
    # the April 2023 sub-ICB location boundaries list the 106 locations, unchanged in April 2024
    sicbl23 = _geojson_codes(snapshot_dir, "boundaries/SICBL_April_2023_EN_BSC.geojson", "sicbl23", "E38")
    sicbl24 = areas[(areas.area_type == "sicbl") & (areas.area_vintage == "SICBL24")]
    assert set(sicbl24.area_code) == set(sicbl23) and len(sicbl23) == 106

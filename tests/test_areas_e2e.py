"""The published `areas`, `area_indicators` and `area_indicator_comparisons` tables on the real snapshot build,
against truths the build does not compute: the areas listed in the publishers' own boundary files, Census 2021
totals from another Census table, the ONS rule that an MSOA's name is its district's name and a number, England's
own totals, and the publisher's own England figure and intervals for every district."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from pipelines.areas import load_areas
from pipelines.registry import load_registry
from pipelines.settings import PROJECT_ROOT

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


# Census 2021 tables are each perturbed a little to protect confidentiality (ONS cell key perturbation), so a
# district's usual residents summed from one table's LSOAs differ from another table's district total by a few
# dozen at most.
CENSUS_TABLE_NOISE = 60


def _census_district_totals(snapshot_dir: Path) -> dict[str, int]:
    with (snapshot_dir / "population" / "census2021_lad21_age_sex_bands.csv").open(encoding="utf-8") as handle:
        return {row["ltla21_code"]: int(row["total_population"]) for row in csv.DictReader(handle)}


def test_district_and_england_residents_are_the_census_totals_of_another_table(areas, snapshot_dir):
    """TS038 (disability, by LSOA) summed by the build against the Census age and sex table by district."""
    totals = _census_district_totals(snapshot_dir)
    districts = _one_row_per_area(areas, "lad")
    unchanged = [code for code in districts.index if code in totals]
    assert len(unchanged) >= 290  # all but the districts created in April 2023
    differences = {code: int(districts.loc[code, "usual_residents_2021"]) - totals[code] for code in unchanged}
    beyond_noise = {districts.loc[c, "area_name"]: d for c, d in differences.items() if abs(d) > CENSUS_TABLE_NOISE}
    # The one exception: the LAD24 lookup (best fit from wards) puts an LSOA of West Northamptonshire in Cherwell,
    # so the two differ by its residents, one up and one down
    assert set(beyond_noise) <= {"Cherwell", "West Northamptonshire"}, beyond_noise
    assert abs(sum(beyond_noise.values())) <= 2 * CENSUS_TABLE_NOISE
    england = _one_row_per_area(areas, "england")
    english = sum(total for code, total in totals.items() if code.startswith("E"))
    assert abs(int(england.loc["E92000001", "usual_residents_2021"]) - english) <= CENSUS_TABLE_NOISE


def test_msoas_nest_in_the_district_their_name_gives(built_warehouse, areas, snapshot_dir):
    """An MSOA is named after its 2021 district (`Hartlepool 001`), and its LSOA21s lie in that district; the
    districts merged in April 2023 (codes the 2021 Census does not have) hold their predecessors' MSOAs."""
    with duckdb.connect(str(built_warehouse / "build" / "ics_baseline.duckdb"), read_only=True) as con:
        pairs = con.execute(
            """
            select msoa.area_code as msoa_code, msoa.area_name as msoa_name,
                   count(distinct lad.area_code) as districts, min(lad.area_code) as district_code,
                   min(lad.area_name) as district_name
            from intermediate.int_lsoa21_area_memberships_unioned as msoa
            join intermediate.int_lsoa21_area_memberships_unioned as lad
              on msoa.lsoa21_code = lad.lsoa21_code and lad.area_vintage = 'LAD24'
            where msoa.area_vintage = 'MSOA21'
            group by all
            """
        ).df()
    assert len(pairs) == 6856
    # the LSOA the LAD24 lookup puts in Cherwell (above) takes its MSOA across the border
    assert pairs[pairs.districts > 1].msoa_name.tolist() == ["West Northamptonshire 048"]
    named = pairs.msoa_name.str.replace(r" \d{3}$", "", regex=True)
    # ONS writes "Bristol, City of" for the district and "Bristol" in MSOA names
    district = pairs.district_name.str.replace(r", (City|County) of$", "", regex=True)
    created_2023 = ~pairs.district_code.isin(_census_district_totals(snapshot_dir))
    mismatched = pairs[(named != district) & ~created_2023 & (pairs.districts == 1)]
    assert mismatched.empty, mismatched.head(10)
    assert created_2023.sum() > 100  # Cumberland, Westmorland and Furness, North Yorkshire, Somerset


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


@pytest.fixture(scope="module")
def area_indicators(built_warehouse) -> pd.DataFrame:
    release = (built_warehouse / "releases" / "latest").resolve()
    with duckdb.connect(str(release / "ics_baseline.duckdb"), read_only=True) as con:
        return con.execute("select * from area_indicators").df()


def test_the_icb_slice_of_area_indicators_is_icb_indicators(built_warehouse, area_indicators):
    release = (built_warehouse / "releases" / "latest").resolve()
    with duckdb.connect(str(release / "ics_baseline.duckdb"), read_only=True) as con:
        icb = con.execute("select * from icb_indicators order by icb_vintage, icb_code, indicator_id, period").df()
    sliced = area_indicators[area_indicators.area_type == "icb"].sort_values(
        ["area_vintage", "area_code", "indicator_id", "period"]
    )
    renamed = sliced.rename(columns={"area_code": "icb_code", "area_name": "icb_name", "area_vintage": "icb_vintage"})
    pd.testing.assert_frame_equal(
        renamed[icb.columns].reset_index(drop=True), icb.reset_index(drop=True), check_dtype=False
    )


def test_every_district_figure_a_local_authority_source_publishes_is_carried_unchanged(
    built_warehouse, area_indicators
):
    with duckdb.connect(str(built_warehouse / "build" / "ics_baseline.duckdb"), read_only=True) as con:
        published = con.execute(
            """
            select la_code as area_code, indicator_id, period, value
            from intermediate.int_la_indicator_values_unioned
            where la_code in (select area_code from marts.areas where area_type = 'lad')
            """
        ).df()
    districts = area_indicators[(area_indicators.area_type == "lad") & (area_indicators.method == "published_la")]
    merged = published.merge(districts, on=["area_code", "indicator_id", "period"], how="left", suffixes=("", "_area"))
    assert len(published) > 50_000 and len(merged) == len(published) == len(districts)
    same = (merged.value == merged.value_area) | (merged.value.isna() & merged.value_area.isna())
    assert same.all(), merged[~same].head()
    # nothing from a local-authority source reaches an area smaller than a council
    msoa_methods = set(area_indicators[area_indicators.area_type == "msoa"].method)
    assert msoa_methods == {"lsoa_exact", "lsoa_apportioned"}


def _lsoa11_sources() -> set[str]:
    """Sources published on 2011 LSOAs, as sources.yaml declares them."""
    registry = load_registry(PROJECT_ROOT / "sources.yaml")
    return {s.id for s in registry.sources if s.geography.level == "lsoa" and s.geography.code_vintage == "LSOA11"}


def _counts(figures: pd.DataFrame) -> pd.DataFrame:
    """What adds up across areas: numerators and denominators, a count's value, and an average's value times its
    weights (population-weighted IMD scores); NaN where a figure has none, so absent parts compare equal."""
    counts = figures[["numerator", "denominator"]].copy()
    counts["count"] = figures.value.where(figures.numerator.isna() & figures.denominator.isna())
    counts["weighted_sum"] = (figures.value * figures.denominator).where(figures.numerator.isna())
    return counts.fillna(0.0)


def test_msoa_counts_add_up_to_their_icb_and_to_england(areas, area_indicators):
    """Summed MSOA counts equal England's for every small-area indicator (LSOA21 sources, and LSOA 2011 sources
    carried by each LSOA11's share), and each ICB's own wherever the ICB's MSOAs lie wholly inside it (MSOAs nest
    in districts, not always in ICBs). Vintages drawn on 2011 LSOAs (July 2022 ICBs) take their LSOA11 sources
    from their own lookup, not from LSOA21s, so for them only the LSOA21 sources must add up."""
    msoa = area_indicators[area_indicators.area_type == "msoa"]
    assert set(msoa.method) == {"lsoa_exact", "lsoa_apportioned"}
    indicators = set(msoa.indicator_id)
    lsoa11 = _lsoa11_sources()
    assert len(indicators) >= 20 and len(set(msoa.source_id) & lsoa11) >= 3
    keys = ["indicator_id", "period"]
    england = area_indicators[(area_indicators.area_type == "england") & area_indicators.indicator_id.isin(indicators)]
    totals = pd.concat([msoa[keys], _counts(msoa)], axis=1).groupby(keys).sum()
    expected = pd.concat([england[keys], _counts(england)], axis=1).set_index(keys)
    pd.testing.assert_frame_equal(totals.sort_index(), expected.sort_index(), check_exact=False, rtol=1e-9)
    checked = 0
    for vintage, about in AREAS.vintages_of("icb").items():
        drawn_on_lsoa11 = about.membership.kind == "lookup" and about.membership.spec.lsoa == "lsoa11_code"
        parents = areas[(areas.area_type == "msoa") & (areas.icb_vintage == vintage)]
        split_icbs = set(parents[parents.is_split_across_icbs].icb_code)
        whole = parents[~parents.icb_code.isin(split_icbs)][["area_code", "icb_code"]]
        summed = msoa[~msoa.source_id.isin(lsoa11)] if drawn_on_lsoa11 else msoa
        sums = (
            pd.concat([summed[["area_code", *keys]], _counts(summed)], axis=1)
            .merge(whole, on="area_code")
            .drop(columns="area_code")
            .groupby(["icb_code", *keys])
            .sum()
        )
        icbs = area_indicators[
            (area_indicators.area_type == "icb")
            & (area_indicators.area_vintage == vintage)
            & area_indicators.indicator_id.isin(set(summed.indicator_id))
            & area_indicators.source_id.isin(set(summed.source_id))
            & area_indicators.area_code.isin(set(whole.icb_code))
        ]
        icbs = pd.concat([icbs[["area_code", *keys]].rename(columns={"area_code": "icb_code"}), _counts(icbs)], axis=1)
        icbs = icbs.set_index(["icb_code", *keys])
        pd.testing.assert_frame_equal(sums.sort_index(), icbs.sort_index(), check_exact=False, rtol=1e-9)
        checked += len(icbs)
    assert checked > 1000


@pytest.fixture(scope="module")
def area_comparisons(built_warehouse) -> pd.DataFrame:
    release = (built_warehouse / "releases" / "latest").resolve()
    with duckdb.connect(str(release / "ics_baseline.duckdb"), read_only=True) as con:
        return con.execute("select * from area_indicator_comparisons").df()


def test_the_icb_slice_of_area_comparisons_is_icb_indicator_comparisons(built_warehouse, area_comparisons):
    release = (built_warehouse / "releases" / "latest").resolve()
    with duckdb.connect(str(release / "ics_baseline.duckdb"), read_only=True) as con:
        icb = con.execute(
            "select * from icb_indicator_comparisons order by icb_vintage, icb_code, indicator_id, period"
        ).df()
    sliced = area_comparisons[area_comparisons.area_type == "icb"].sort_values(
        ["area_vintage", "area_code", "indicator_id", "period"]
    )
    renamed = sliced.rename(columns={"area_code": "icb_code", "area_name": "icb_name", "area_vintage": "icb_vintage"})
    pd.testing.assert_frame_equal(
        renamed[icb.columns].reset_index(drop=True), icb.reset_index(drop=True), check_dtype=False
    )
    assert sliced.parent_icb_code.isna().all()


def test_district_verdicts_follow_the_publishers_england_figure_and_intervals(area_comparisons, snapshot_dir):
    """Every district's employment rate is set against the publisher's own England figure for the same year (the
    England row of the ONS file) and called better or worse exactly where the publisher's 95% interval for the
    district lies wholly above or below it (the Fingertips rule, applied here to the publisher's file itself);
    a district with no published interval gets no verdict."""
    published = pd.read_csv(snapshot_dir / "ons_explore_local_statistics" / "employment-rate.csv")
    published = published[published.indicator == "Employment rate"]
    published["period"] = published.period.str[:4]
    england = published[published.areacd == "E92000001"].set_index("period").observation
    districts = published[published.areacd.str.match(r"^E0[6-9]")].copy()
    districts["publisher_england"] = districts.period.map(england)
    districts["expected"] = "similar"
    districts.loc[districts.lci_95 > districts.publisher_england, "expected"] = "better"
    districts.loc[districts.uci_95 < districts.publisher_england, "expected"] = "worse"
    # no interval published (City of London, Isles of Scilly): no verdict
    districts.loc[districts.lci_95.isna() | districts.uci_95.isna(), "expected"] = "not_compared"
    ours = area_comparisons[
        (area_comparisons.area_type == "lad") & (area_comparisons.indicator_id == "employment_rate_16_64")
    ]
    merged = ours.merge(
        districts.rename(columns={"areacd": "area_code"})[["area_code", "period", "publisher_england", "expected"]],
        on=["area_code", "period"],
    )
    merged = merged[merged.value.notna()]
    assert len(merged) > 5000 and merged.period.nunique() >= 15
    assert (merged.england_value == merged.publisher_england).all()
    assert {"better", "similar", "worse"} <= set(merged.expected)
    agree = merged.significance_95 == merged.expected
    assert agree.all(), merged.loc[~agree, ["area_code", "period", "value", "england_value", "significance_95"]]


def test_areas_rank_within_their_type_and_vintage_beside_their_parent_icb(areas, area_comparisons):
    """An MSOA is ranked among the 6,856 MSOAs and a district among districts, never among ICBs; an MSOA lying
    wholly in one ICB of the comparison vintage has that ICB as its parent, with the ICB's own figure beside it."""
    expected = AREAS.expected_areas("msoa")["MSOA21"]
    msoa = area_comparisons[area_comparisons.area_type == "msoa"]
    ranked = msoa[msoa.indicator_id == "imd2025_most_deprived_decile_population_share"]
    assert ranked.rank_of.max() == expected == len(ranked)
    assert sorted(ranked["rank"].dropna().unique().tolist())[:1] == [1]
    districts = area_comparisons[area_comparisons.area_type == "lad"]
    assert districts.rank_of.max() <= AREAS.expected_areas("lad")["LAD24"]
    vintage = AREAS.vintage_in_force("icb", date.today())
    parents = areas[(areas.area_type == "msoa") & (areas.icb_vintage == vintage) & ~areas.is_split_across_icbs]
    joined = msoa.merge(parents[["area_code", "icb_code"]], on="area_code")
    assert len(joined) > 0.9 * len(msoa)
    assert (joined.parent_icb_code == joined.icb_code).all() and (joined.parent_icb_vintage == vintage).all()
    icb_values = area_comparisons[(area_comparisons.area_type == "icb") & (area_comparisons.area_vintage == vintage)]
    with_parent = joined.merge(
        icb_values[["area_code", "indicator_id", "period", "value"]].rename(
            columns={"area_code": "icb_code", "value": "icb_value"}
        ),
        on=["icb_code", "indicator_id", "period"],
    )
    same = (with_parent.parent_icb_value == with_parent.icb_value) | (
        with_parent.parent_icb_value.isna() & with_parent.icb_value.isna()
    )
    assert len(with_parent) > 100_000 and same.all()


def test_regions_rebuilt_from_council_figures_reconcile_with_the_publishers_own(area_indicators, snapshot_dir):
    """NHS regions take local-authority figures rebuilt from their councils as ICBs do (areas.yaml la_figures:
    apportioned). London is both an NHS region and an ONS region, and the ONS file publishes London's own
    employment rate: the rate rebuilt from the 33 London boroughs' figures lies within the publisher's 95% interval
    for London in every year, and sub-ICB locations get rebuilt figures too."""
    published = pd.read_csv(snapshot_dir / "ons_explore_local_statistics" / "employment-rate.csv")
    london = published[(published.areacd == "E12000007") & (published.indicator == "Employment rate")].copy()
    london["period"] = london.period.str[:4]
    rebuilt = area_indicators[
        (area_indicators.area_type == "nhs_region")
        & (area_indicators.area_name == "London")
        & (area_indicators.indicator_id == "employment_rate_16_64")
    ]
    merged = rebuilt.merge(london, on="period")
    assert len(merged) >= 15 and set(merged.method) == {"la_aggregated"}
    within = (merged.value >= merged.lci_95) & (merged.value <= merged.uci_95)
    assert within.all(), merged.loc[~within, ["period", "value", "observation", "lci_95", "uci_95"]]
    sicbl = area_indicators[
        (area_indicators.area_type == "sicbl") & (area_indicators.indicator_id == "employment_rate_16_64")
    ]
    located = sicbl[["area_vintage", "area_code"]].drop_duplicates()
    assert len(located) == sum(n for n in AREAS.expected_areas("sicbl").values() if n)
    assert set(sicbl.method) <= {"la_aggregated", "la_apportioned"}

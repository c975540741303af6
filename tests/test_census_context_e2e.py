"""Census 2021 context (TS066 economic activity, TS021 ethnic group) on the real build, checked against the
publisher files read directly with pandas; and the TS066 file's traps (a percent measure beside the counts,
subtotal rows beside their leaves, a missing column) through the real raw asset and its GX suite."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from pipelines.areas import load_areas
from pipelines.registry import load_registry
from pipelines.settings import PROJECT_ROOT
from tests.test_bad_inputs import _mirror_with, _settings, assert_rejected, materialise_raw

pytestmark = pytest.mark.e2e

TS066 = "census2021_lad/census2021_ts066_economic_activity_utla23_ew.csv"
TS021_LSOA = "census2021_lsoa21/census2021_ts021_ethnic_group_5cat_lsoa21_ew.csv"
TS021_LAD = "census2021_lad/census2021_ts021_ethnic_group_ltla21_ew.csv"
TS066_SOURCE = "ons_census2021_economic_activity_utla23"
EXPECTED_ICBS = load_areas().expected_areas("icb")


@pytest.fixture(scope="module")
def build_db(built_warehouse: Path):
    con = duckdb.connect(str(built_warehouse / "build" / "ics_baseline.duckdb"), read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="module")
def ts066_counts(snapshot_dir) -> pd.DataFrame:
    """English areas' counts, one column per category code (the file read as ONS wrote it)."""
    frame = pd.read_csv(snapshot_dir / TS066)
    counts = frame[(frame["MEASURES"] == 20100) & frame["GEOGRAPHY_CODE"].str.startswith("E")]
    return counts.pivot(index="GEOGRAPHY_CODE", columns="C2021_EASTAT_20", values="OBS_VALUE")


def _icb_figures(published, indicator_id: str) -> pd.DataFrame:
    return published.execute("select * from icb_indicators where indicator_id = ?", [indicator_id]).df()


def test_ts066_england_shares_equal_the_ratio_of_summed_counts(published, ts066_counts):
    """Every vintage's ICBs together hold all English residents aged 16+ exactly once, so the ratio of their summed
    counts is England's: it must equal the ratio of the counts of the English areas in the file."""
    aged_16_plus, inactive, sick = ts066_counts[0].sum(), ts066_counts[1011].sum(), ts066_counts[18].sum()
    assert aged_16_plus == 46_006_940  # the manifest's England total
    # the leaves add up to their subtotal and the subtotals to the total: the file mixes them
    assert ts066_counts[[15, 16, 17, 18, 19]].sum(axis=1).equals(ts066_counts[1011])
    assert (ts066_counts[1001] + ts066_counts[1006] + ts066_counts[1011]).equals(ts066_counts[0])
    for indicator, denominator in [
        ("census2021_inactive_long_term_sick_share", aged_16_plus),
        ("census2021_inactive_long_term_sick_share_of_inactive", inactive),
    ]:
        figures = _icb_figures(published, indicator)
        for vintage, expected in EXPECTED_ICBS.items():
            rows = figures[figures["icb_vintage"] == vintage]
            assert len(rows) == expected and (rows["coverage"] > 0.9999).all()
            assert rows["numerator"].sum() == pytest.approx(sick, rel=1e-9)
            assert rows["denominator"].sum() == pytest.approx(denominator, rel=1e-9)
            england = 100 * rows["numerator"].sum() / rows["denominator"].sum()
            assert england == pytest.approx(100 * sick / denominator, rel=1e-9)
        # split counties are apportioned and say so; whole ones are exact
        assert set(figures["method"]) == {"la_aggregated", "la_apportioned"}


def test_upper_tier_councils_get_the_published_figures(published, ts066_counts):
    utla = (
        published.execute(
            "select area_code, value, numerator, denominator, method from area_indicators "
            "where area_type = 'utla' and indicator_id = 'census2021_inactive_long_term_sick_share'"
        )
        .df()
        .set_index("area_code")
    )
    assert len(utla) == load_areas().expected_areas("utla")["UTLA23"]
    expected = 100 * ts066_counts[18] / ts066_counts[0]
    assert (utla["method"] == "published_la").all()
    pd.testing.assert_series_equal(
        utla["value"].sort_index(), expected.loc[utla.index].sort_index(), check_names=False, rtol=1e-12
    )


def test_residents_in_employment_are_exposed_per_icb(build_db, ts066_counts):
    counts = build_db.execute(
        "select * from intermediate.int_area_census2021_economic_activity_counts_apportioned where area_type = 'icb'"
    ).df()
    in_employment = ts066_counts[1002].sum() + ts066_counts[1007].sum()
    for vintage, expected in EXPECTED_ICBS.items():
        rows = counts[counts["area_vintage"] == vintage]
        assert len(rows) == expected
        assert rows["in_employment"].sum() == pytest.approx(in_employment, rel=1e-9)
        assert rows["inactive_long_term_sick_or_disabled"].sum() == pytest.approx(ts066_counts[18].sum(), rel=1e-9)


def test_ts021_england_not_white_share_from_lsoas(published, snapshot_dir):
    lsoa = pd.read_csv(snapshot_dir / TS021_LSOA)
    england = lsoa[lsoa["geography code"].str.startswith("E01")]
    total = england["Ethnic group: Total: All usual residents"].sum()
    assert total == 56_490_108  # the manifest's England total
    expected = 1 - england["Ethnic group: White"].sum() / total
    built = published.execute(
        "select value, numerator, denominator, method from area_indicators "
        "where area_type = 'england' and indicator_id = 'residents_not_white_share'"
    ).df()
    assert len(built) == 1 and built["method"].iloc[0] == "lsoa_exact"
    assert built["value"].iloc[0] == pytest.approx(expected, rel=1e-12)
    assert built["denominator"].iloc[0] == total
    # and for every area type down to MSOAs
    types = published.execute(
        "select distinct area_type from area_indicators where indicator_id = 'residents_not_white_share'"
    ).df()["area_type"]
    assert {"msoa", "icb", "lad", "utla", "england"} <= set(types)


def test_ts021_not_white_british_through_la_successions(published, snapshot_dir):
    lad = pd.read_csv(snapshot_dir / TS021_LAD)
    numbers = [c for c in lad.columns if c.endswith("(number)")]
    assert len(numbers) == 19
    england = lad[lad["Area code"].str.startswith("E")]
    total = england[numbers].to_numpy().sum()
    assert total == 56_490_065  # the manifest's England total
    white_british = england["White: English, Welsh, Scottish, Northern Irish or British (number)"].sum()
    figures = _icb_figures(published, "census2021_not_white_british_share")
    for vintage, expected in EXPECTED_ICBS.items():
        rows = figures[figures["icb_vintage"] == vintage]
        # every ICB, Cumbria, North Yorkshire and Somerset included, rests on all of its residents
        assert len(rows) == expected and (rows["coverage"] > 0.9999).all()
        assert rows["denominator"].sum() == pytest.approx(total, rel=1e-9)
        assert 100 * rows["numerator"].sum() / rows["denominator"].sum() == pytest.approx(
            100 * (1 - white_british / total), rel=1e-9
        )
    assert round(100 * (1 - white_british / total), 1) == 26.5  # the manifest's figure


def test_ethnicity_is_a_peer_variable(published):
    context = published.execute("select * from icb_peer_context where variable = 'residents_not_white_share'").df()
    assert len(context) == sum(EXPECTED_ICBS.values())
    assert context["weight"].eq(1.0).all() and context["z_score"].notna().all()


# -- parser traps of the Nomis long file, through the real raw asset and its GX suite ---------------------------


@pytest.fixture(scope="module")
def registry():
    return load_registry(PROJECT_ROOT / "sources.yaml")


def _reject(registry, tmp_path, data: bytes, expect: tuple[str, ...]) -> None:
    source = registry.get(TS066_SOURCE)
    settings = _settings(tmp_path / "wh", _mirror_with(tmp_path, source, data))
    result, problems = materialise_raw(source, registry, settings)
    assert_rejected(result, problems, expect)


def _rewrite(data: bytes, change) -> bytes:
    frame = pd.read_csv(pd.io.common.BytesIO(data), dtype=str, keep_default_na=False)
    return change(frame).to_csv(index=False).encode()


def test_a_third_measure_beside_counts_and_percentages_is_refused(registry, snapshot_dir, tmp_path):
    """Staging sums measure 20100 only; a percent of another base (Nomis 20302, say) arriving under a new
    measure code must stop the build rather than be mistaken for either."""

    def add_measure(frame: pd.DataFrame) -> pd.DataFrame:
        extra = frame[frame["MEASURES"] == "20301"].head(31).copy()
        extra["MEASURES"], extra["MEASURES_NAME"] = "20302", "Percent of households"
        return pd.concat([frame, extra], ignore_index=True)

    data = _rewrite((snapshot_dir / TS066).read_bytes(), add_measure)
    _reject(registry, tmp_path, data, (f"source {TS066_SOURCE}", "column 'measure_code'", "20302"))


def test_a_percent_row_relabelled_as_a_count_is_refused(registry, snapshot_dir, tmp_path):
    """A percentage filed under the count measure duplicates an area's category: the compound key catches it."""

    def relabel(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame.copy()
        row = frame.index[frame["MEASURES"] == "20301"][0]
        frame.loc[row, "MEASURES"] = "20100"
        return frame

    data = _rewrite((snapshot_dir / TS066).read_bytes(), relabel)
    _reject(registry, tmp_path, data, (f"source {TS066_SOURCE}", "expect_compound_columns_to_be_unique"))


def test_a_new_subtotal_code_is_refused(registry, snapshot_dir, tmp_path):
    """Subtotals (1001-1011) sit beside their leaves and staging picks categories by code: an unknown code
    (a new subtotal a sum over the classification would double count) stops the build."""

    def add_subtotal(frame: pd.DataFrame) -> pd.DataFrame:
        extra = frame[frame["C2021_EASTAT_20"] == "1011"].copy()
        extra["C2021_EASTAT_20"], extra["C2021_EASTAT_20_CODE"] = "1012", "1012"
        return pd.concat([frame, extra], ignore_index=True)

    data = _rewrite((snapshot_dir / TS066).read_bytes(), add_subtotal)
    _reject(registry, tmp_path, data, (f"source {TS066_SOURCE}", "column 'category_code'", "1012"))


def test_a_missing_category_column_is_named(registry, snapshot_dir, tmp_path):
    data = (snapshot_dir / TS066).read_bytes().replace(b",C2021_EASTAT_20,", b",C2021_EASTAT,", 1)
    _reject(
        registry,
        tmp_path,
        data,
        (f"source {TS066_SOURCE}", "census2021_ts066_economic_activity_utla23_ew.csv", "column 'category_code'"),
    )


def test_not_applicable_text_in_a_count_is_refused(registry, snapshot_dir, tmp_path):
    def blank(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame.copy()
        frame.loc[4, "OBS_VALUE"] = "NA"
        return frame

    data = _rewrite((snapshot_dir / TS066).read_bytes(), blank)
    _reject(registry, tmp_path, data, (f"source {TS066_SOURCE}", "column 'observation'", "NA"))

"""Inequality within each ICB by national IMD decile, checked on the real build against independent calculations.

The SII formula itself is checked on worked examples with exact answers by the dbt unit test
`slope_index_of_inequality_on_worked_examples` (run by every build); here it is recomputed for every published
series with numpy's own weighted least squares.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

pytestmark = pytest.mark.e2e

EXPECTED_ICBS = {"ICB22": 42, "ICB24": 42, "ICB26": 36}
GRAIN = ["icb_code", "icb_vintage", "measure_id", "period", "imd_edition"]
OUTCOMES = {
    "residents_disabled_share",
    "households_owner_occupied_share",
    "households_social_rented_share",
    "households_private_rented_share",
    "fuel_poverty_lilee_share",
}


@pytest.fixture(scope="module")
def published(built_warehouse: Path):
    con = duckdb.connect(str(built_warehouse / "releases" / "latest" / "ics_baseline.duckdb"), read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="module")
def deciles(published) -> pd.DataFrame:
    return published.execute("select * from icb_deprivation_decile_breakdowns").df()


@pytest.fixture(scope="module")
def gaps(published) -> pd.DataFrame:
    return published.execute("select * from icb_inequality_gaps").df()


def test_every_icb_vintage_edition_and_measure_has_ten_deciles(deciles):
    series = deciles.groupby(GRAIN)["imd_decile"].agg(["count", "min", "max", "nunique"])
    assert (series["count"] == 10).all() and (series["nunique"] == 10).all()
    assert (series["min"] == 1).all() and (series["max"] == 10).all()
    icbs = deciles.groupby("icb_vintage")["icb_code"].nunique().to_dict()
    assert icbs == EXPECTED_ICBS
    assert set(deciles["measure_id"]) == OUTCOMES | {"resident_population_share"}
    assert set(deciles["imd_edition"]) == {"IMD2019", "IMD2025"}


def test_population_shares_sum_to_one(deciles):
    sums = deciles.groupby(GRAIN)["population_share"].sum()
    assert sums.to_numpy() == pytest.approx(1.0, abs=1e-9)
    population = deciles[deciles["measure_id"] == "resident_population_share"]
    assert population.groupby(GRAIN)["value"].sum().to_numpy() == pytest.approx(1.0, abs=1e-9)
    # the distribution's numerators are the decile residents and add up to its (ICB-wide) denominator
    by_series = population.groupby(GRAIN).agg(numerator=("numerator", "sum"), denominator=("denominator", "first"))
    assert by_series["numerator"].to_numpy() == pytest.approx(by_series["denominator"].to_numpy(), rel=1e-12)


def test_decile_sums_reproduce_the_icb_figures(published, deciles):
    icb = published.execute(
        """
        select icb_code, icb_vintage, indicator_id as measure_id, period, value, numerator, denominator
        from icb_indicators
        where indicator_id in ('residents_disabled_share', 'households_owner_occupied_share',
            'households_social_rented_share', 'households_private_rented_share', 'fuel_poverty_lilee_share')
            or (indicator_id = 'resident_population' and period = '2021')
        """
    ).df()
    icb.loc[icb["measure_id"] == "resident_population", "measure_id"] = "resident_population_share"
    icb.loc[icb["measure_id"] == "resident_population_share", "numerator"] = icb["value"]
    sums = deciles.groupby(GRAIN, as_index=False).agg(
        numerator=("numerator", "sum"), denominator=("denominator", "sum")
    )
    outcome_sums = sums[sums["measure_id"] != "resident_population_share"]
    population_sums = sums[sums["measure_id"] == "resident_population_share"]
    compared = outcome_sums.merge(icb, on=["icb_code", "icb_vintage", "measure_id", "period"], suffixes=("", "_icb"))
    # 5 outcome measures x 2 IMD editions x 120 ICB-vintages, every one matched
    assert len(compared) == len(outcome_sums) == 5 * 2 * 120
    assert compared["numerator"].to_numpy() == pytest.approx(compared["numerator_icb"].to_numpy(), rel=1e-9)
    assert compared["denominator"].to_numpy() == pytest.approx(compared["denominator_icb"].to_numpy(), rel=1e-9)
    population = population_sums.merge(
        icb, on=["icb_code", "icb_vintage", "measure_id", "period"], suffixes=("", "_icb")
    )
    assert len(population) == 2 * 120
    assert population["numerator"].to_numpy() == pytest.approx(population["numerator_icb"].to_numpy(), rel=1e-9)


def test_imd2025_most_deprived_decile_share_matches_the_icb_indicator(published, deciles):
    icb = published.execute(
        "select icb_code, icb_vintage, value from icb_indicators"
        " where indicator_id = 'imd2025_most_deprived_decile_population_share'"
    ).df()
    first = deciles[
        (deciles["measure_id"] == "resident_population_share")
        & (deciles["imd_edition"] == "IMD2025")
        & (deciles["imd_decile"] == 1)
    ]
    compared = first.merge(icb, on=["icb_code", "icb_vintage"], suffixes=("", "_icb"))
    assert len(compared) == 120
    assert compared["value"].to_numpy() == pytest.approx(compared["value_icb"].to_numpy(), rel=1e-12)


def test_imd2025_decile_rates_match_an_independent_calculation(deciles, snapshot_dir):
    imd = pd.read_csv(snapshot_dir / "imd2025/IoD2025_lsoa21_scores_ranks_deciles.csv")
    lookup = pd.read_csv(snapshot_dir / "lookups/lsoa21_sicbl24_icb24_apr2024.csv")
    census = pd.read_csv(snapshot_dir / "census2021_lsoa21/census2021_ts038_disability_lsoa21_ew.csv").rename(
        columns={
            "geography code": "lsoa21_code",
            "Disability: Total: All usual residents": "residents",
            "Disability: Disabled under the Equality Act": "disabled",
        }
    )
    frame = lookup.merge(imd, on="lsoa21_code").merge(census, on="lsoa21_code")
    assert len(frame) == 33755
    expected = frame.groupby(["icb24_code", "IMD_decile"])[["disabled", "residents"]].sum().reset_index()
    expected["rate"] = expected["disabled"] / expected["residents"]
    expected["share"] = expected["residents"] / expected.groupby("icb24_code")["residents"].transform("sum")
    got = deciles[
        (deciles["measure_id"] == "residents_disabled_share")
        & (deciles["imd_edition"] == "IMD2025")
        & (deciles["icb_vintage"] == "ICB24")
        & (deciles["denominator"] > 0)
    ]
    compared = got.merge(
        expected, left_on=["icb_code", "imd_decile"], right_on=["icb24_code", "IMD_decile"], validate="one_to_one"
    )
    assert len(compared) == len(got) == len(expected)
    assert compared["numerator"].to_numpy() == pytest.approx(compared["disabled"].to_numpy(), abs=1e-9)
    assert compared["value"].to_numpy() == pytest.approx(compared["rate"].to_numpy(), rel=1e-12)
    assert compared["population_share"].to_numpy() == pytest.approx(compared["share"].to_numpy(), rel=1e-12)
    assert (compared["method"] == "lsoa_exact").all()


def _numpy_sii(series: pd.DataFrame) -> tuple[float, float, float]:
    """SII, RII and gap from the decile rows, with numpy's weighted polyfit (weights = sqrt of the denominator)."""
    present = series[series["denominator"] > 0].sort_values("imd_decile")
    population = present["denominator"].to_numpy()
    x = (np.cumsum(population) - population / 2) / population.sum()
    y = present["value"].to_numpy()
    slope, intercept = np.polyfit(x, y, 1, w=np.sqrt(population))
    sii = (intercept + slope * 0) - (intercept + slope * 1)
    overall = np.average(y, weights=population)
    return sii, sii / overall, y[0] - y[-1]


def test_sii_matches_numpy_weighted_least_squares(deciles, gaps):
    outcomes = deciles[deciles["measure_id"].isin(OUTCOMES)]
    assert len(gaps) == outcomes.groupby(GRAIN).ngroups == 5 * 2 * 120
    assert "resident_population_share" not in set(gaps["measure_id"])
    indexed = gaps.set_index(GRAIN)
    checked = 0
    for key, series in outcomes.groupby(GRAIN):
        row = indexed.loc[key]
        present = int((series["denominator"] > 0).sum())
        assert row["deciles_present"] == present, key
        if present < 5:
            assert not row["is_computed"] and pd.isna(row["sii"]) and isinstance(row["not_computed_reason"], str)
            continue
        sii, rii, gap = _numpy_sii(series)
        assert row["is_computed"], key
        assert row["sii"] == pytest.approx(sii, rel=1e-9, abs=1e-12), key
        assert row["rii"] == pytest.approx(rii, rel=1e-9, abs=1e-12), key
        assert row["gap_most_minus_least_deprived"] == pytest.approx(gap, rel=1e-12, abs=1e-12), key
        checked += 1
    assert checked > 1000  # nearly every ICB has at least 5 deciles


def test_sii_signs_follow_the_known_gradients(gaps):
    """Social renting and fuel poverty concentrate in deprived areas and owner occupation in the least deprived:
    with SII = most minus least deprived, the national picture must show in (almost) every ICB."""
    computed = gaps[gaps["is_computed"]]
    by_measure = computed.groupby("measure_id")["sii"]
    assert (by_measure.get_group("households_social_rented_share") > 0).mean() > 0.95
    assert (by_measure.get_group("households_owner_occupied_share") < 0).mean() > 0.95
    assert (by_measure.get_group("fuel_poverty_lilee_share") > 0).mean() > 0.9

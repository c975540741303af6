"""Inequality within each ICB by national and local IMD decile, checked on the real build against independent
calculations.

The phe_sii port is checked against phe_sii's documentation and examples in tests/test_phe_sii.py, and the
national-decile gradient on worked examples by the dbt unit test `national_decile_gradient_on_worked_examples`
(run by every build); here the local deciles are rebuilt from the snapshot files with pandas, and every published
SII and RII is recomputed from its deciles with numpy's own weighted least squares.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipelines.areas import load_areas

pytestmark = pytest.mark.e2e

# the ICBs of each vintage the publisher lists, declared in the registry of areas
EXPECTED_ICBS = load_areas().expected_areas("icb")
GRAIN = ["icb_code", "icb_vintage", "measure_id", "period", "imd_edition"]
OUTCOMES = {
    "residents_disabled_share",
    "households_owner_occupied_share",
    "households_social_rented_share",
    "households_private_rented_share",
    "fuel_poverty_lilee_share",
}


@pytest.fixture(scope="module")
def deciles(published) -> pd.DataFrame:
    return published.execute("select * from icb_deprivation_decile_breakdowns").df()


@pytest.fixture(scope="module")
def gaps(published) -> pd.DataFrame:
    return published.execute("select * from icb_inequality_gaps").df()


@pytest.fixture(scope="module")
def local_deciles(published) -> pd.DataFrame:
    return published.execute("select * from icb_local_deprivation_decile_breakdowns").df()


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
    assert len(compared) == sum(EXPECTED_ICBS.values())
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


def _wls_fit(series: pd.DataFrame) -> tuple[float, float]:
    """Intercept (fitted value at the most deprived end) and slope of decile value on the cumulative-population
    mid-point, with numpy's weighted polyfit (weights = sqrt of the denominator: least squares weighted by it)."""
    present = series[series["denominator"] > 0].sort_values("imd_decile")
    population = present["denominator"].to_numpy()
    x = (np.cumsum(population) - population / 2) / population.sum()
    slope, intercept = np.polyfit(x, present["value"].to_numpy(), 1, w=np.sqrt(population))
    return intercept, slope


def test_national_decile_gradient_matches_numpy_weighted_least_squares(deciles, gaps):
    outcomes = deciles[deciles["measure_id"].isin(OUTCOMES)]
    assert len(gaps) == outcomes.groupby(GRAIN).ngroups == 5 * 2 * 120
    assert "resident_population_share" not in set(gaps["measure_id"])
    indexed = gaps.set_index(GRAIN)
    checked = 0
    for key, series in outcomes.groupby(GRAIN):
        row = indexed.loc[key]
        present = series[series["denominator"] > 0].sort_values("imd_decile")
        assert row["deciles_present"] == len(present), key
        assert row["gap_most_minus_least_deprived"] == pytest.approx(
            present["value"].iloc[0] - present["value"].iloc[-1], rel=1e-12, abs=1e-12
        ), key
        if len(present) < 5:
            assert pd.isna(row["national_decile_sii"])
            assert isinstance(row["national_decile_sii_not_computed_reason"], str)
            continue
        _, slope = _wls_fit(series)
        assert row["national_decile_sii"] == pytest.approx(-slope, rel=1e-9, abs=1e-12), key
        checked += 1
    assert checked > 1000  # nearly every ICB has at least 5 national deciles


def test_every_icb_has_all_ten_local_deciles_of_about_a_tenth_of_its_residents(local_deciles):
    """phe_sii needs every quantile populated: local deciles ranked within each ICB always are."""
    series = local_deciles.groupby(GRAIN).agg(
        deciles=("imd_decile", "nunique"), rows=("imd_decile", "count"), smallest=("denominator", "min")
    )
    assert len(series) == 6 * 2 * 120
    assert (series["deciles"] == 10).all() and (series["rows"] == 10).all() and (series["smallest"] > 0).all()
    assert (local_deciles["value_status"] != "missing").all()
    residents = local_deciles[local_deciles["measure_id"] == "resident_population_share"]
    assert residents["value"].between(0.085, 0.115).all(), residents["value"].describe()
    assert local_deciles.groupby("icb_vintage")["icb_code"].nunique().to_dict() == EXPECTED_ICBS


def test_imd2025_local_deciles_match_an_independent_ranking(local_deciles, snapshot_dir):
    """Rebuild ICB24's IMD2025 local deciles from the snapshot files: each ICB's LSOA21s ranked by IMD score
    (most deprived first), each going to the tenth of the ICB's Census 2021 residents holding its mid-point."""
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
    # the file's scores are rounded to 3 decimals: ties are broken by the national rank (from unrounded scores)
    frame = frame.sort_values(["icb24_code", "IMD_score", "IMD_rank"], ascending=[True, False, True])
    cumulative = frame.groupby("icb24_code")["residents"].cumsum()
    total = frame.groupby("icb24_code")["residents"].transform("sum")
    frame["local_decile"] = np.minimum(10, np.floor(10 * (cumulative - frame["residents"] / 2) / total) + 1)
    expected = frame.groupby(["icb24_code", "local_decile"])[["disabled", "residents"]].sum().reset_index()
    got = local_deciles[
        (local_deciles["measure_id"] == "residents_disabled_share")
        & (local_deciles["imd_edition"] == "IMD2025")
        & (local_deciles["icb_vintage"] == "ICB24")
    ]
    compared = got.merge(
        expected, left_on=["icb_code", "imd_decile"], right_on=["icb24_code", "local_decile"], validate="one_to_one"
    )
    assert len(compared) == len(got) == len(expected) == EXPECTED_ICBS["ICB24"] * 10
    assert compared["numerator"].to_numpy() == pytest.approx(compared["disabled"].to_numpy(), abs=1e-9)
    assert compared["denominator"].to_numpy() == pytest.approx(compared["residents"].to_numpy(), abs=1e-9)


def test_published_sii_and_rii_are_phe_sii_on_the_local_deciles(local_deciles, gaps):
    """sii = multiplier x the population-weighted slope on the local deciles' cumulative mid-point ranks
    (multiplier -1, or -100 for percent measures, so most deprived minus least deprived in the unit); rii =
    phe_sii's Y1 / Y0, inverted for the negative multiplier: fitted most deprived over fitted least deprived.
    The simulated limits bracket the estimate, the 99.8% interval contains the 95% one."""
    outcomes = local_deciles[local_deciles["measure_id"].isin(OUTCOMES)]
    indexed = gaps.set_index(GRAIN)
    assert indexed["is_computed"].all() and (indexed["local_deciles_used"] == 10).all()
    assert (indexed["sii_method"] == "phe_sii_local_deciles").all()
    assert (indexed["sii_ci_method"] == "simulation 100000 reps").all()
    for key, series in outcomes.groupby(GRAIN):
        row = indexed.loc[key]
        proportions = series.assign(value=series["numerator"] / series["denominator"])
        intercept, slope = _wls_fit(proportions)
        scale = 100 if series["unit"].iloc[0] == "percent" else 1
        assert row["sii"] == pytest.approx(-scale * slope, rel=1e-9, abs=1e-12), key
        assert row["rii"] == pytest.approx(intercept / (intercept + slope), rel=1e-9), key
        assert row["sii_lower_998"] <= row["sii_lower_95"] < row["sii"] < row["sii_upper_95"] <= row["sii_upper_998"]
        assert row["rii_lower_998"] <= row["rii_lower_95"] <= row["rii_upper_95"] <= row["rii_upper_998"]


def test_sii_signs_follow_the_known_gradients(gaps):
    """Social renting and fuel poverty concentrate in deprived areas and owner occupation in the least deprived:
    with SII = most minus least deprived, the national picture must show in (almost) every ICB."""
    computed = gaps[gaps["is_computed"]]
    by_measure = computed.groupby("measure_id")["sii"]
    assert (by_measure.get_group("households_social_rented_share") > 0).mean() > 0.95
    assert (by_measure.get_group("households_owner_occupied_share") < 0).mean() > 0.95
    assert (by_measure.get_group("fuel_poverty_lilee_share") > 0).mean() > 0.9

"""The comparison and trend statistics against worked examples with known answers.

The SQL under test is the project's own: the dbt macros (evaluated by `dbt show`) and the trend model (run by
`dbt run` on a small DuckDB file holding only its inputs). The expected answers come from published tables
(Newcombe 1998 for Wilson intervals), exact distributions (Poisson limits from chi-squared quantiles, for Byar) or
independent textbook computations (scipy regressions; the Cochran-Armitage statistic as N r^2 on the expanded
individual-level data, Armitage 1955), never from our own output.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from scipy import optimize, stats

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_DIR = PROJECT_ROOT / "dbt_project"
DBT = Path(sys.executable).parent / "dbt"


def run_dbt(tmp_path: Path, *args: str) -> str:
    """Run dbt against a scratch DuckDB file, never the build warehouse."""
    env = {**os.environ, "WAREHOUSE_PATH": str(tmp_path / "ics_baseline.duckdb")}
    result = subprocess.run(
        [
            str(DBT),
            *args,
            "--project-dir",
            str(DBT_DIR),
            "--profiles-dir",
            str(DBT_DIR),
            "--target-path",
            str(tmp_path),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, f"dbt {args[0]} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result.stdout


def evaluate_macros(tmp_path: Path, expressions: dict[str, str]) -> dict[str, float]:
    select = ", ".join(f"{expression} as {name}" for name, expression in expressions.items())
    stdout = run_dbt(tmp_path, "show", "--inline", f"select {select}", "--output", "json", "--quiet")
    return json.loads(stdout)["show"][0]


@pytest.fixture(scope="module")
def dbt_dir(tmp_path_factory) -> Path:
    """One target path (and scratch DuckDB file) for every dbt call of this module: dbt parses the project once and
    the later call reuses its partial parse."""
    return tmp_path_factory.mktemp("dbt_worked_examples")


@pytest.fixture(scope="module")
def macro_values(dbt_dir) -> dict[str, float]:
    """Every macro expression of the tests below, evaluated by one `dbt show` (one parse instead of one a test)."""
    expressions = {}
    for group, group_expressions in MACRO_EXPRESSIONS.items():
        expressions |= {f"{group}__{name}": expression for name, expression in group_expressions.items()}
    values = evaluate_macros(dbt_dir, expressions)
    grouped: dict[str, dict[str, float]] = {group: {} for group in MACRO_EXPRESSIONS}
    for key, value in values.items():
        group, name = key.split("__", 1)
        grouped[group][name] = value
    return grouped


# Newcombe RG (1998) Two-sided confidence intervals for the single proportion: comparison of seven methods.
# Statistics in Medicine 17:857-872: the worked examples for method 3 (Wilson score, no continuity correction).
NEWCOMBE_WILSON_95 = [
    (81, 263, 0.2553, 0.3662),
    (15, 148, 0.0624, 0.1605),
    (0, 20, 0.0000, 0.1611),
    (1, 29, 0.0061, 0.1718),
]


def wilson_expressions() -> dict[str, str]:
    expressions = {}
    for i, (r, n, _, _) in enumerate(NEWCOMBE_WILSON_95):
        expressions[f"lower_{i}"] = f"{{{{ wilson_bound({r}, {n}, '95', 'lower') }}}}"
        expressions[f"upper_{i}"] = f"{{{{ wilson_bound({r}, {n}, '95', 'upper') }}}}"
    return expressions


def test_wilson_interval_matches_newcombe_table(macro_values):
    values = macro_values["wilson"]
    for i, (r, n, lower, upper) in enumerate(NEWCOMBE_WILSON_95):
        assert values[f"lower_{i}"] == pytest.approx(lower, abs=5e-5), (r, n)
        assert values[f"upper_{i}"] == pytest.approx(upper, abs=5e-5), (r, n)


def exact_poisson_limits(count: int, level: float) -> tuple[float, float]:
    alpha = 1 - level
    lower = stats.chi2.ppf(alpha / 2, 2 * count) / 2 if count > 0 else 0.0
    upper = stats.chi2.ppf(1 - alpha / 2, 2 * count + 2) / 2
    return lower, upper


BYAR_COUNTS = [10, 25, 100, 1000, 25000]
LEVELS = [("95", 0.95), ("99.8", 0.998)]


def byar_expressions(level_name: str) -> dict[str, str]:
    expressions = {}
    for count in BYAR_COUNTS:
        expressions[f"lower_{count}"] = f"{{{{ byar_bound({count}, '{level_name}', 'lower') }}}}"
        expressions[f"upper_{count}"] = f"{{{{ byar_bound({count}, '{level_name}', 'upper') }}}}"
    expressions["lower_zero"] = f"{{{{ byar_bound(0, '{level_name}', 'lower') }}}}"
    return expressions


@pytest.mark.parametrize("level_name, level", LEVELS)
def test_byar_interval_approximates_the_exact_poisson_interval(macro_values, level_name, level):
    """Byar's approximation is within 2% of the exact Poisson limits from ten events (1.5% at 99.8%, the worst
    case), and within 0.1% from a hundred; ICB counts behind rates per 100,000 run to thousands."""
    counts = BYAR_COUNTS
    values = macro_values[f"byar_{level_name.replace('.', '_')}"]
    for count in counts:
        lower, upper = exact_poisson_limits(count, level)
        tolerance = 0.02 if count < 100 else 0.001
        assert values[f"lower_{count}"] == pytest.approx(lower, rel=tolerance), count
        assert values[f"upper_{count}"] == pytest.approx(upper, rel=tolerance), count
    assert values["lower_zero"] == 0


def exact_expressions(level_name: str) -> dict[str, str]:
    expressions = {}
    for count in range(10):
        expressions[f"lower_{count}"] = f"{{{{ byar_bound({count}, '{level_name}', 'lower') }}}}"
        expressions[f"upper_{count}"] = f"{{{{ byar_bound({count}, '{level_name}', 'upper') }}}}"
    expressions["lower_frac"] = f"{{{{ byar_bound(2.5, '{level_name}', 'lower') }}}}"
    expressions["upper_frac"] = f"{{{{ byar_bound(2.5, '{level_name}', 'upper') }}}}"
    expressions["lower_9_9"] = f"{{{{ byar_bound(9.9, '{level_name}', 'lower') }}}}"
    return expressions


@pytest.mark.parametrize("level_name, level", LEVELS)
def test_counts_below_ten_get_the_exact_poisson_limits(macro_values, level_name, level):
    """Below 10 events byar_bound gives the exact limits, chi2.ppf(alpha/2, 2O)/2 and chi2.ppf(1 - alpha/2,
    2O + 2)/2 (PHE technical guidance), so a 99.8% lower limit is never negative (Byar's is -0.0028 for O = 1);
    a fractional (apportioned) count lies between the limits of the counts either side."""
    values = macro_values[f"exact_{level_name.replace('.', '_')}"]
    for count in range(10):
        lower, upper = exact_poisson_limits(count, level)
        assert values[f"lower_{count}"] == pytest.approx(lower, rel=1e-12, abs=1e-15), count
        assert values[f"upper_{count}"] == pytest.approx(upper, rel=1e-12), count
        assert values[f"lower_{count}"] >= 0
    assert exact_poisson_limits(2, level)[0] < values["lower_frac"] < exact_poisson_limits(3, level)[0]
    assert exact_poisson_limits(2, level)[1] < values["upper_frac"] < exact_poisson_limits(3, level)[1]
    # the interpolation's error against scipy's exact limit for a non-integer count (a gamma quantile) is small
    assert values["lower_frac"] == pytest.approx(stats.chi2.ppf((1 - level) / 2, 5) / 2, abs=0.02)
    assert values["upper_frac"] == pytest.approx(stats.chi2.ppf(1 - (1 - level) / 2, 7) / 2, rel=0.01)
    # and the switch to Byar at 10 is continuous to within Byar's own error
    assert values["lower_9_9"] == pytest.approx(exact_poisson_limits(10, level)[0], rel=0.03)


FORMULA_EXPRESSIONS = {"lower": "{{ byar_bound(10, '95', 'lower') }}", "upper": "{{ byar_bound(10, '95', 'upper') }}"}

# Every macro expression the tests check, by group (names are SQL column aliases, hence 99_8); the
# `macro_values` fixture evaluates them in one dbt call.
MACRO_EXPRESSIONS = {
    "wilson": wilson_expressions(),
    **{f"byar_{name.replace('.', '_')}": byar_expressions(name) for name, _ in LEVELS},
    **{f"exact_{name.replace('.', '_')}": exact_expressions(name) for name, _ in LEVELS},
    "formula": FORMULA_EXPRESSIONS,
}


def test_byar_matches_the_published_formula_for_ten_events(macro_values):
    """Breslow and Day (1987): O (1 - 1/9O - z/3 sqrt O)^3 and (O+1)(1 - 1/9(O+1) + z/3 sqrt(O+1))^3."""
    values = macro_values["formula"]
    z = stats.norm.ppf(0.975)
    assert values["lower"] == pytest.approx(10 * (1 - 1 / 90 - z / (3 * np.sqrt(10))) ** 3, rel=1e-12)
    assert values["upper"] == pytest.approx(11 * (1 - 1 / 99 + z / (3 * np.sqrt(11))) ** 3, rel=1e-12)
    # and both sit within 0.2% of the exact limits (4.7954, 18.3904)
    assert values["lower"] == pytest.approx(4.7954, rel=2e-3)
    assert values["upper"] == pytest.approx(18.3904, rel=2e-3)


# --- trends: the real model on hand-made series -------------------------------------------------------------

TREND_INPUT_COLUMNS = [
    "area_type",
    "area_code",
    "area_vintage",
    "indicator_id",
    "period",
    "period_start",
    "value",
    "lower_ci",
    "upper_ci",
    "numerator",
    "denominator",
    "unit",
]


def annual(indicator_id: str, years: list[int], **columns) -> list[dict]:
    rows = []
    for i, year in enumerate(years):
        row = {"area_type": "icb", "area_code": "E54000999", "area_vintage": "ICB24", "indicator_id": indicator_id}
        row |= {"period": str(year), "period_start": pd.Timestamp(year, 1, 1)}
        row |= {name: (values[i] if isinstance(values, list) else values) for name, values in columns.items()}
        rows.append(row)
    return rows


def years_since_2000(periods: pd.Series) -> np.ndarray:
    return ((periods - pd.Timestamp(2000, 1, 1)).dt.days / 365.25).to_numpy()


@pytest.fixture(scope="module")
def trend_results(dbt_dir) -> tuple[pd.DataFrame, pd.DataFrame]:
    tmp_path = dbt_dir
    numerators = [30, 35, 41, 44, 50]
    denominators = [200, 205, 210, 200, 202]
    figures = (
        annual(
            "proportion_rising",
            [2019, 2020, 2021, 2022, 2023],
            numerator=numerators,
            denominator=denominators,
            value=[100 * r / n for r, n in zip(numerators, denominators, strict=True)],
            unit="percent",
        )
        + annual(
            "survey_estimate",
            [2017, 2018, 2020, 2021, 2022, 2023],  # 2019 missing: the gap is spaced in years
            value=[70.1, 70.9, 71.2, 72.8, 72.1, 73.4],
            lower_ci=[68.0, 69.1, 69.0, 70.2, 70.3, 71.0],
            upper_ci=[72.2, 72.7, 73.4, 75.4, 73.9, 75.8],
            unit="percent",
        )
        + annual("admin_series", [2019, 2020, 2021, 2022, 2023], value=[100.0, 103.0, 104.5, 109.0, 110.0], unit="gbp")
        + annual("short_series", [2021, 2022, 2023, 2024], value=[1.0, 2.0, 3.0, 4.0], unit="gbp")
    )
    rolling = []
    for first_year in range(2001, 2014):  # 2001-2003 ... 2013-2015, each overlapping the next
        rolling.append(
            {
                "area_type": "icb",
                "area_code": "E54000999",
                "area_vintage": "ICB24",
                "indicator_id": "rolling_three_year",
                "period": f"{first_year}-{first_year + 2}",
                "period_start": pd.Timestamp(first_year, 1, 1),
                "value": 80.0 - 0.3 * (first_year - 2001) + (0.4 if first_year % 2 else -0.4),
                "lower_ci": 79.0 - 0.3 * (first_year - 2001),
                "upper_ci": 81.0 - 0.3 * (first_year - 2001),
                "unit": "years",
            }
        )
    frame = pd.DataFrame(figures + rolling).reindex(columns=TREND_INPUT_COLUMNS)
    frame["period_start"] = pd.to_datetime(frame["period_start"]).dt.date
    # whole-area figures on real counts: every point comparable with the next
    frame["method"] = "lsoa_exact"
    frame["coverage"] = 1.0
    frame["counts_basis"] = np.where(frame.numerator.notna(), "observed", None)
    registry = pd.DataFrame(
        {
            "indicator_id": [
                "proportion_rising",
                "survey_estimate",
                "admin_series",
                "short_series",
                "rolling_three_year",
            ],
            "polarity": ["lower_is_better"] + ["higher_is_better"] * 4,
            "ci_method": ["wilson", "publisher", "none", "none", "publisher"],
        }
    )
    database = tmp_path / "ics_baseline.duckdb"
    with duckdb.connect(str(database)) as connection:
        connection.execute("create schema intermediate")
        connection.execute("create schema reference")
        connection.register("frame", frame)
        connection.register("registry", registry)
        connection.execute(
            "create table intermediate.int_area_indicator_figures_unioned as "
            "select * replace (cast(period_start as date) as period_start, cast(value as double) as value, "
            "cast(lower_ci as double) as lower_ci, cast(upper_ci as double) as upper_ci, "
            "cast(numerator as double) as numerator, cast(denominator as double) as denominator) from frame"
        )
        connection.execute("create table reference.indicator_registry as select * from registry")
    run_dbt(tmp_path, "run", "--select", "int_area_indicator_trends_tested")
    with duckdb.connect(str(database), read_only=True) as connection:
        trends = connection.sql("select * from intermediate.int_area_indicator_trends_tested").df()
    return frame, trends.set_index(["indicator_id", "period"])


def test_chi_squared_trend_equals_n_r_squared_on_individual_data(trend_results):
    frame, trends = trend_results
    series = frame[frame.indicator_id == "proportion_rising"]
    x = years_since_2000(pd.to_datetime(series.period_start))
    # Armitage (1955): the test for linear trend in proportions is N r^2, r the Pearson correlation between the
    # score of each individual's group and their 0/1 outcome.
    scores = np.repeat(x, series.denominator.astype(int))
    outcomes = np.concatenate(
        [
            np.r_[np.ones(int(r)), np.zeros(int(n - r))]
            for r, n in zip(series.numerator, series.denominator, strict=True)
        ]
    )
    expected = len(outcomes) * np.corrcoef(scores, outcomes)[0, 1] ** 2
    row = trends.loc[("proportion_rising", "2023")]
    assert row.trend_method == "chi_squared_trend"
    assert row.trend_points == 5
    assert row.trend_test_statistic == pytest.approx(expected, rel=1e-9)
    # the fitted slope is the least-squares slope of the proportion on the scores, in percentage points a year
    expected_slope = 100 * np.polyfit(scores, outcomes, 1)[0]
    assert row.trend_slope_per_year == pytest.approx(expected_slope, rel=1e-9)
    assert row.trend_significant_95 == (expected > stats.chi2.ppf(0.95, 1))
    assert row.trend_significant_998 == (expected > stats.chi2.ppf(0.998, 1))
    assert row.trend_direction == ("increasing" if row.trend_significant_998 else "no_significant_change")


def test_weighted_least_squares_trend_matches_scipy_curve_fit(trend_results):
    frame, trends = trend_results
    series = frame[frame.indicator_id == "survey_estimate"].tail(5)  # the latest five points as of 2023
    x = years_since_2000(pd.to_datetime(series.period_start))
    se = (series.upper_ci - series.lower_ci).to_numpy() / (2 * stats.norm.ppf(0.975))
    (_, slope), covariance = optimize.curve_fit(
        lambda t, a, b: a + b * t, x, series.value.to_numpy(), sigma=se, absolute_sigma=True
    )
    expected_chi2 = slope**2 / covariance[1, 1]
    row = trends.loc[("survey_estimate", "2023")]
    assert row.trend_method == "weighted_least_squares"
    assert row.trend_first_period == "2018"
    assert row.trend_slope_per_year == pytest.approx(slope, rel=1e-6)
    assert row.trend_test_statistic == pytest.approx(expected_chi2, rel=1e-6)
    assert row.trend_significant_95 == (expected_chi2 > stats.chi2.ppf(0.95, 1))


def test_ordinary_least_squares_trend_matches_scipy_linregress(trend_results):
    frame, trends = trend_results
    series = frame[frame.indicator_id == "admin_series"]
    fit = stats.linregress(years_since_2000(pd.to_datetime(series.period_start)), series.value)
    row = trends.loc[("admin_series", "2023")]
    assert row.trend_method == "ordinary_least_squares"
    assert row.trend_slope_per_year == pytest.approx(fit.slope, rel=1e-9)
    assert row.trend_test_statistic == pytest.approx(fit.slope / fit.stderr, rel=1e-6)
    two_sided_p = 2 * stats.t.sf(abs(fit.slope / fit.stderr), df=3)
    assert row.trend_significant_95 == (two_sided_p < 0.05)
    assert row.trend_significant_998 == (two_sided_p < 0.002)


def test_series_shorter_than_five_points_get_no_trend(trend_results):
    _, trends = trend_results
    row = trends.loc[("short_series", "2024")]
    assert row.trend_direction == "insufficient_points"
    assert row.trend_points == 0
    assert pd.isna(row.trend_test_statistic)
    assert row.change_since_previous == pytest.approx(1.0)
    assert row.previous_period == "2023"


def test_rolling_periods_are_tested_on_non_overlapping_points_only(trend_results):
    frame, trends = trend_results
    latest = trends.loc[("rolling_three_year", "2013-2015")]
    assert latest.trend_points == 5
    assert latest.trend_first_period == "2001-2003"
    chain = frame[frame.period.isin(["2001-2003", "2004-2006", "2007-2009", "2010-2012", "2013-2015"])]
    se = (chain.upper_ci - chain.lower_ci).to_numpy() / (2 * stats.norm.ppf(0.975))
    (_, slope), _ = optimize.curve_fit(
        lambda t, a, b: a + b * t,
        years_since_2000(pd.to_datetime(chain.period_start)),
        chain.value.to_numpy(),
        sigma=se,
        absolute_sigma=True,
    )
    assert latest.trend_slope_per_year == pytest.approx(slope, rel=1e-6)
    # one period earlier, the chain 2012-2014, 2009-2011, 2006-2008, 2003-2005 has only four points
    assert trends.loc[("rolling_three_year", "2012-2014")].trend_direction == "insufficient_points"
    # the change since the previous period still uses the period the publisher reports just before
    assert latest.previous_period == "2012-2014"

"""The real build on the full snapshot: geography, figures, and the published release."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from pipelines.areas import load_areas

pytestmark = pytest.mark.e2e

LSOA21_COUNT = 33755
# the ICBs of each vintage the publisher lists, declared in the registry of areas
EXPECTED_ICBS = load_areas().expected_areas("icb")


@pytest.fixture(scope="module")
def release(built_warehouse) -> Path:
    return (built_warehouse / "releases" / "latest").resolve()


@pytest.fixture(scope="module")
def published(release):
    con = duckdb.connect(str(release / "ics_baseline.duckdb"), read_only=True)
    yield con
    con.close()


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_latest_points_at_a_complete_release(built_warehouse, release):
    assert (built_warehouse / "releases" / "latest").is_symlink()
    assert release.parent == built_warehouse / "releases"
    for name in ("ics_baseline.duckdb", "icb_indicators.csv.zip", "parquet/indicators.parquet", "manifest.json"):
        assert (release / name).is_file(), name
    assert not list((built_warehouse / "releases").glob(".staging-*"))


def test_icb_counts_per_vintage(published):
    counts = dict(published.execute("select icb_vintage, count(*) from icbs group by 1").fetchall())
    assert counts == EXPECTED_ICBS
    indicator_icbs = dict(
        published.execute("select icb_vintage, count(distinct icb_code) from icb_indicators group by 1").fetchall()
    )
    assert indicator_icbs == EXPECTED_ICBS


def test_every_lsoa21_sits_in_exactly_one_icb_per_vintage(published):
    rows = published.execute(
        """
        select icb_vintage, count(*), count(distinct lsoa21_code)
        from lsoa21_icb_memberships group by 1 order by 1
        """
    ).fetchall()
    assert rows == [(v, LSOA21_COUNT, LSOA21_COUNT) for v in sorted(EXPECTED_ICBS)]


def test_icb_populations_sum_to_the_england_total_of_the_same_source(published, snapshot_dir):
    census = pd.read_csv(snapshot_dir / "census2021_lsoa21/census2021_ts038_disability_lsoa21_ew.csv", dtype=str)
    census_england = census.loc[
        census["geography code"].str.startswith("E01"), "Disability: Total: All usual residents"
    ]
    sape = pd.read_csv(snapshot_dir / "population/sape2020_lsoa11_single_year_of_age.csv", dtype=str)
    sape_england = sape.loc[sape["lsoa11_code"].str.startswith("E01"), "total_population"]
    england = {"2021": census_england.astype(int).sum(), "2020": sape_england.astype(int).sum()}
    assert england["2021"] == 56_490_046  # the Census LSOA sum (published TS001 total 56,490,048, perturbed)

    sums = published.execute(
        "select icb_vintage, period, sum(value) from icb_indicators"
        " where indicator_id = 'resident_population' group by all"
    ).fetchall()
    assert len(sums) == 6
    for vintage, period, total in sums:
        assert total == pytest.approx(england[period], abs=0.5), (vintage, period)


def test_imd_decile_one_shares_are_proportions(published):
    rows = published.execute(
        """
        select indicator_id, icb_vintage, count(*), min(value), max(value), count(value)
        from icb_indicators where indicator_id like 'imd20%_most_deprived_decile_%' group by all
        """
    ).fetchall()
    assert len(rows) == 54  # (2 IMD editions x (2 shares + 7 domains)) x 3 vintages
    for indicator, vintage, n, low, high, non_null in rows:
        assert n == EXPECTED_ICBS[vintage] and non_null == n, (indicator, vintage)
        assert 0 <= low <= high <= 1, (indicator, vintage)


def test_imd2025_shares_match_an_independent_calculation(published, snapshot_dir):
    imd = pd.read_csv(snapshot_dir / "imd2025/IoD2025_lsoa21_scores_ranks_deciles.csv")
    lookup = pd.read_csv(snapshot_dir / "lookups/lsoa21_sicbl24_icb24_apr2024.csv")
    census = pd.read_csv(snapshot_dir / "census2021_lsoa21/census2021_ts038_disability_lsoa21_ew.csv")
    census = census.rename(columns={"geography code": "lsoa21_code", "Disability: Total: All usual residents": "pop"})
    frame = lookup.merge(imd, on="lsoa21_code").merge(census[["lsoa21_code", "pop"]], on="lsoa21_code")
    frame["d1"] = frame["IMD_decile"] == 1
    by_icb = frame.groupby("icb24_code").apply(
        lambda g: pd.Series(
            {
                "lsoa_share": g["d1"].mean(),
                "population_share": g.loc[g["d1"], "pop"].sum() / g["pop"].sum(),
                "average_score": (g["IMD_score"] * g["pop"]).sum() / g["pop"].sum(),
            }
        ),
        include_groups=False,
    )
    published_values = published.execute(
        """
        select icb_code, indicator_id, value, method from icb_indicators
        where icb_vintage = 'ICB24' and indicator_id in (
            'imd2025_most_deprived_decile_lsoa_share', 'imd2025_most_deprived_decile_population_share',
            'imd2025_average_score'
        )
        """
    ).df()
    column_for = {
        "imd2025_most_deprived_decile_lsoa_share": "lsoa_share",
        "imd2025_most_deprived_decile_population_share": "population_share",
        "imd2025_average_score": "average_score",
    }
    assert len(published_values) == EXPECTED_ICBS["ICB24"] * 3
    for row in published_values.itertuples():
        assert row.value == pytest.approx(by_icb.loc[row.icb_code, column_for[row.indicator_id]], rel=1e-9)
        assert row.method == "lsoa_exact"


def test_a_population_weighted_rate_differs_from_the_naive_mean_of_rates(built_warehouse, published):
    """Employment rate for an ICB is re-aggregated by 16-64 population, not a plain mean of its LAs' rates."""
    build = duckdb.connect(str(built_warehouse / "build" / "ics_baseline.duckdb"), read_only=True)
    try:
        naive = build.execute(
            """
            select w.icb_code, avg(v.value)
            from intermediate.int_la_indicator_values_unioned v
            join intermediate.int_la_icb_weights_derived w on v.la_code = w.la_code
            where v.indicator_id = 'employment_rate_16_64' and v.period = '2023' and w.icb_vintage = 'ICB24'
            group by 1
            """
        ).fetchall()
    finally:
        build.close()
    published_rates = dict(
        published.execute(
            "select icb_code, value from icb_indicators where indicator_id = 'employment_rate_16_64'"
            " and period = '2023' and icb_vintage = 'ICB24'"
        ).fetchall()
    )
    differences = [abs(published_rates[code] - mean) for code, mean in naive]
    assert len(differences) == EXPECTED_ICBS["ICB24"]
    assert max(differences) > 0.1  # LAs differ in size, so the weighting matters somewhere


def test_split_local_authorities_are_found_from_the_data(built_warehouse):
    build = duckdb.connect(str(built_warehouse / "build" / "ics_baseline.duckdb"), read_only=True)
    try:
        # Buckinghamshire straddles Central East and Thames Valley in April 2026 (4 and 330 LSOAs)
        bucks = build.execute(
            """
            select icb_code, lsoa21_count, is_split_la from intermediate.int_la_icb_weights_derived
            where la_code = 'E06000060' and icb_vintage = 'ICB26' and population_basis = 'usual_residents_2021'
            order by lsoa21_count
            """
        ).fetchall()
        shares = build.execute(
            """
            select max(abs(total - 1)) from (
                select la_code, icb_vintage, population_basis, sum(share_of_la_population) as total
                from intermediate.int_la_icb_weights_derived group by all
            )
            """
        ).fetchall()[0][0]
    finally:
        build.close()
    assert bucks == [("E54000065", 4, True), ("E54000070", 330, True)]
    assert shares < 1e-9


def test_every_figure_is_on_the_grain_with_method_and_source(published):
    duplicates = published.execute(
        """
        select count(*) from (
            select icb_code, icb_vintage, indicator_id, period from icb_indicators group by all having count(*) > 1
        )
        """
    ).fetchall()[0][0]
    assert duplicates == 0
    missing = published.execute(
        """
        select count(*) from icb_indicators i left join indicators r on i.indicator_id = r.id
        where r.id is null or i.method is null or i.source_id is null or i.value_status is null
        """
    ).fetchall()[0][0]
    assert missing == 0
    columns = {r[0] for r in published.execute("describe icb_indicators").fetchall()}
    assert {
        "icb_code",
        "icb_name",
        "icb_vintage",
        "indicator_id",
        "period",
        "value",
        "lower_ci",
        "upper_ci",
        "numerator",
        "denominator",
        "unit",
        "value_status",
        "method",
        "source_id",
    } <= columns
    assert {"id", "title", "domain", "unit", "polarity", "definition", "source_id"} <= {
        r[0] for r in published.execute("describe indicators").fetchall()
    }
    assert {"icb_code", "icb_name", "icb_vintage", "nhs_region_name"} <= {
        r[0] for r in published.execute("describe icbs").fetchall()
    }


def test_la_figures_are_tagged_and_carry_confidence_intervals(published):
    rows = published.execute(
        """
        select indicator_id, list(distinct method order by method), count(lower_ci), count(*)
        from icb_indicators where source_id like 'ons_els_%' group by 1 order by 1
        """
    ).fetchall()
    methods = {indicator: set(m) for indicator, m, _, _ in rows}
    assert methods["healthy_life_expectancy_male"] == {"la_population_weighted_mean"}
    assert methods["employment_rate_16_64"] <= {"la_aggregated", "la_apportioned"}
    assert "la_apportioned" in methods["employment_rate_16_64"]
    employment = next(r for r in rows if r[0] == "employment_rate_16_64")
    assert employment[2] > 0.9 * employment[3]  # CIs carried through for (almost) every figure
    bad_ci = published.execute(
        "select count(*) from icb_indicators where lower_ci > value or upper_ci < value"
    ).fetchall()[0][0]
    assert bad_ci == 0


def test_suppressed_components_show_as_partial_coverage_not_zero(published):
    rows = published.execute(
        """
        select value_status, min(coverage), max(coverage), count(*), count(value)
        from icb_indicators where indicator_id = 'inactive_due_to_long_term_sickness_share' group by 1
        """
    ).fetchall()
    by_status = {r[0]: r for r in rows}
    assert by_status["partial"][2] < 1  # some ICB figures rest on part of the population only
    assert "suppressed" in by_status  # the check below is not over an empty set
    assert all(value_count == 0 for status, *_, value_count in rows if status == "suppressed")
    assert (
        published.execute("select count(*) from icb_indicators where value = 0 and value_status <> 'ok'").fetchall()[0][
            0
        ]
        == 0
    )


def test_manifest_records_provenance_and_checks(release, snapshot_dir, published):
    manifest = json.loads((release / "manifest.json").read_text())
    assert manifest["release_id"] == release.name
    assert manifest["fetch_mode"] == "snapshot"
    sources = {s["source_id"]: s for s in manifest["sources"]}
    imd = sources["mhclg_imd2025_lsoa21"]
    snapshot_file = snapshot_dir / "imd2025/IoD2025_lsoa21_scores_ranks_deciles.csv"
    assert imd["sha256"] == _sha256(snapshot_file)
    assert imd["bytes"] == snapshot_file.stat().st_size
    assert imd["row_count"] == LSOA21_COUNT
    assert imd["source_url"].startswith("https://")
    assert all(s["retrieved_at"] for s in sources.values())
    assert manifest["checks"] and all(c["passed"] for c in manifest["checks"] if c["severity"] == "ERROR")
    assert {c["check"] for c in manifest["checks"]} >= {"marts_icb_indicators", "raw_mhclg_imd2025_lsoa21"}
    tables = manifest["tables"]
    assert tables["icb_indicators"] == published.execute("select count(*) from icb_indicators").fetchall()[0][0]
    for name, info in manifest["files"].items():
        assert _sha256(release / name) == info["sha256"], name


def test_csv_and_parquet_match_the_database(release, published):
    db_rows = published.execute("select count(*) from icb_indicators").fetchall()[0][0]
    with zipfile.ZipFile(release / "icb_indicators.csv.zip") as bundle, bundle.open("icb_indicators.csv") as raw:
        csv_rows = sum(1 for _ in csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8", newline="")))
    parquet = release / "parquet" / "icb_indicators" / "*" / "*.parquet"
    parquet_rows = duckdb.sql(f"select count(*) from read_parquet('{parquet}', hive_partitioning = true)").fetchall()
    assert csv_rows == parquet_rows[0][0] == db_rows

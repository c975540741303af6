"""Figures published for local authorities that no longer exist reach the ICBs on their LSOA 2021 ground.

Counties abolished in 2019-2023 were exact unions of their districts and were replaced by unitaries with the same
outer boundary, so their ground can be checked against the ONS LAD24 lookup read straight from the snapshot.
Expected values are computed here from the publishers' own files, never from the build's tables.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

pytestmark = pytest.mark.e2e

NORTHAMPTONSHIRE_ICB = "E54000059"
NORTHAMPTONSHIRE_DISTRICTS = {
    "E07000150": "Corby",
    "E07000151": "Daventry",
    "E07000152": "East Northamptonshire",
    "E07000153": "Kettering",
    "E07000154": "Northampton",
    "E07000155": "South Northamptonshire",
    "E07000156": "Wellingborough",
}

# county abolished -> the unitaries that took over exactly its area, and the order that did it
FORMER_COUNTIES = {
    "E10000002": (["E06000060"], "The Buckinghamshire (Structural Changes) Order 2019 (SI 2019/957)"),
    "E10000021": (["E06000061", "E06000062"], "The Northamptonshire (Structural Changes) Order 2020 (SI 2020/156)"),
    "E10000006": (["E06000063", "E06000064"], "The Cumbria (Structural Changes) Order 2022 (SI 2022/331)"),
    "E10000023": (["E06000065"], "The North Yorkshire (Structural Changes) Order 2022 (SI 2022/328)"),
    "E10000027": (["E06000066"], "The Somerset (Structural Changes) Order 2022 (SI 2022/329)"),
}


@pytest.fixture(scope="module")
def lad24(snapshot_dir: Path) -> pd.DataFrame:
    lookup = pd.read_csv(snapshot_dir / "lookups/lsoa21_ward24_lad24_ew.csv", dtype=str)
    return lookup[lookup["lsoa21_code"].str.startswith("E01")]


@pytest.fixture(scope="module")
def subnational(snapshot_dir: Path) -> pd.DataFrame:
    return pd.read_csv(
        snapshot_dir / "ons_subnational_indicators/subnational_indicators_machine_readable.csv",
        skiprows=2,
        encoding="cp1252",
        dtype=str,
    )


@pytest.fixture(scope="module")
def lsoa21_by_2011_district(snapshot_dir: Path) -> pd.DataFrame:
    """LSOA21s by the 2011 district their LSOA 2011s were built in (ONS names LSOAs after it: "Corby 001A")."""
    exact_fit = pd.read_csv(snapshot_dir / "lookups/lsoa11_lsoa21_lad22_exact_fit_ew.csv", dtype=str)
    exact_fit = exact_fit[exact_fit["lsoa21_code"].str.startswith("E01")]
    exact_fit["district_2011"] = exact_fit["lsoa11_name"].map(lambda name: re.sub(r" \d{3}[A-Z]$", "", name))
    return exact_fit[["lsoa21_code", "district_2011"]].drop_duplicates()


def _ground(build, la_code: str) -> set[str]:
    rows = build.execute(
        "select lsoa21_code from intermediate.int_la_lsoa21_memberships_unioned where la_code = ?", [la_code]
    ).fetchall()
    return {row[0] for row in rows}


def _subnational_value(subnational: pd.DataFrame, area_code: str, indicator: str, period: str) -> float:
    rows = subnational[
        (subnational["AREACD"] == area_code)
        & (subnational["Indicator"] == indicator)
        & (subnational["Period"] == period)
    ]
    assert len(rows) == 1, (area_code, indicator, period)
    return float(rows["Value"].iloc[0].replace(",", ""))


@pytest.mark.parametrize("county", sorted(FORMER_COUNTIES))
def test_an_abolished_county_covers_exactly_the_unitaries_that_replaced_it(build, lad24, county):
    successors, order = FORMER_COUNTIES[county]
    expected = set(lad24.loc[lad24["ltla24_code"].isin(successors), "lsoa21_code"])
    assert expected, successors
    assert _ground(build, county) == expected, order


def test_dorset_county_is_dorset_plus_christchurch(build, lad24, lsoa21_by_2011_district):
    # The Bournemouth, Dorset and Poole (Structural Changes) Order 2018 (SI 2018/648): Dorset county's districts
    # became Dorset, except Christchurch, which joined Bournemouth and Poole
    dorset = set(lad24.loc[lad24["ltla24_code"] == "E06000059", "lsoa21_code"])
    bcp = set(lad24.loc[lad24["ltla24_code"] == "E06000058", "lsoa21_code"])
    christchurch = set(
        lsoa21_by_2011_district.loc[lsoa21_by_2011_district["district_2011"] == "Christchurch", "lsoa21_code"]
    )
    assert christchurch and christchurch <= bcp
    assert _ground(build, "E10000009") == dorset | christchurch


def test_early_years_2019_in_northamptonshire_use_the_county_figure(published, subnational):
    """DfE published 2019 early years goals for the county (E10000021) only, two years before it was abolished."""
    indicators = {
        "early_years_maths_expected_level": "maths",
        "early_years_literacy_expected_level": "literacy",
        "early_years_communication_expected_level": "communication",
    }
    for indicator_id, goal in indicators.items():
        name = f"Percentage of 5-year olds achieving 'expected level' in {goal} early learning goals"
        county = _subnational_value(subnational, "E10000021", name, "2019")
        oxfordshire = _subnational_value(subnational, "E10000025", name, "2019")
        value, coverage = published.execute(
            "select value, coverage from icb_indicators where icb_code = ? and icb_vintage = 'ICB24'"
            " and indicator_id = ? and period = '2019'",
            [NORTHAMPTONSHIRE_ICB, indicator_id],
        ).fetchone()
        assert coverage >= 0.99, indicator_id
        # the ICB is the county plus one Cherwell (Oxfordshire) LSOA: well under 1% of its five-year-olds
        assert abs(value - county) <= 0.01 * abs(oxfordshire - county) + 1e-9, (indicator_id, value, county)


def test_northamptonshire_before_2021_is_the_resident_weighted_mean_of_its_districts(
    published, subnational, lsoa21_by_2011_district, snapshot_dir
):
    """Travel time by car (DfT, 2019) was published for the seven districts abolished in 2021; the ICB figure
    is their mean weighted by Census 2021 residents, the residents found here from the LSOA names."""
    census = pd.read_csv(snapshot_dir / "population/census2021_lsoa21_age6_usual_residents_ew.csv")
    census["residents"] = census.iloc[:, 2:].sum(axis=1)
    residents = census.set_index("Lower layer Super Output Areas Code")["residents"]
    name = "Average travel time in minutes to reach nearest large employment centre (500 + employees), by car"
    weighted, weights = 0.0, 0.0
    for code, district in NORTHAMPTONSHIRE_DISTRICTS.items():
        lsoas = lsoa21_by_2011_district.loc[lsoa21_by_2011_district["district_2011"] == district, "lsoa21_code"]
        population = residents.reindex(lsoas).sum()
        weighted += population * _subnational_value(subnational, code, name, "2019")
        weights += population
    expected = weighted / weights
    value, coverage = published.execute(
        "select value, coverage from icb_indicators where icb_code = ? and icb_vintage = 'ICB24'"
        " and indicator_id = 'travel_time_to_employment_centre_car' and period = '2019'",
        [NORTHAMPTONSHIRE_ICB],
    ).fetchone()
    assert coverage >= 0.99
    assert value == pytest.approx(expected, abs=0.02)


def test_modelled_unemployment_is_not_invented_where_the_publisher_has_no_figure(published, snapshot_dir):
    """ONS's modelled unemployment file lists North and West Northamptonshire as "x" before 2020 and lists none of
    the predecessor districts or the county, so the ICB's coverage stays tiny instead of being filled in."""
    unemployment = pd.read_csv(snapshot_dir / "ons_explore_local_statistics/modelled-unemployment.csv", dtype=str)
    codes = {*NORTHAMPTONSHIRE_DISTRICTS, "E10000021", "E06000061", "E06000062"}
    in_2019 = unemployment[unemployment["areacd"].isin(codes) & (unemployment["period"] == "2019-01-01/P1Y")]
    assert in_2019["observation"].isna().all()
    (coverage,) = published.execute(
        "select coverage from icb_indicators where icb_code = ? and icb_vintage = 'ICB24'"
        " and indicator_id = 'modelled_unemployment_rate' and period = '2019'",
        [NORTHAMPTONSHIRE_ICB],
    ).fetchone()
    assert coverage < 0.01


def test_no_lsoa_of_a_reorganised_area_is_counted_twice_in_any_period(build, lad24):
    reorganised = lad24.loc[
        lad24["ltla24_code"].isin([f"E060000{n}" for n in range(58, 67)]), ["lsoa21_code"]
    ].drop_duplicates()
    build.register("reorganised", reorganised)
    counted_twice = build.execute(
        """
        select figures.indicator_id, figures.period, memberships.lsoa21_code, count(*) as times,
            string_agg(figures.la_code, ',') as codes
        from intermediate.int_la_indicator_values_unioned as figures
        inner join intermediate.int_la_lsoa21_memberships_unioned as memberships
            on figures.la_code = memberships.la_code
        inner join reorganised on memberships.lsoa21_code = reorganised.lsoa21_code
        where figures.value is not null
        group by all
        having count(*) > 1
        limit 5
        """
    ).fetchall()
    assert counted_twice == []


def test_england_population_bases_are_the_sums_of_the_small_area_estimates(build, snapshot_dir):
    sape = pd.read_csv(snapshot_dir / "population/sape2020_lsoa11_single_year_of_age.csv", dtype=str)
    sape = sape[sape["lsoa11_code"].str.startswith("E01")]
    expected = {
        "population_aged_5_2020": sape["5"].astype(int).sum(),
        "population_aged_19_2020": sape["19"].astype(int).sum(),
        "population_aged_16_64_2020": sum(sape[str(age)].astype(int).sum() for age in range(16, 65)),
    }
    for basis, england in expected.items():
        totals = build.execute(
            "select icb_vintage, sum(population) from intermediate.int_icb_population_bases_aggregated"
            " where population_basis = ? group by 1",
            [basis],
        ).fetchall()
        assert len(totals) == 3, basis
        for vintage, total in totals:
            assert total == pytest.approx(england, abs=0.5), (basis, vintage)


def test_an_abolished_county_weighs_the_same_as_its_successors(build):
    for county, (successors, _) in FORMER_COUNTIES.items():
        rows = build.execute(
            """
            select icb_vintage, population_basis,
                sum(population) filter (where la_code = ?) as county,
                sum(population) filter (where la_code in (select unnest(?::varchar[]))) as successors
            from intermediate.int_la_icb_weights_derived
            group by all
            """,
            [county, successors],
        ).fetchall()
        assert rows
        for vintage, basis, county_population, successor_population in rows:
            assert county_population == pytest.approx(successor_population), (county, vintage, basis)

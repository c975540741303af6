"""NHS estate, energy and carbon (ERIC 2015/16, 2016/17 trust returns, 2019/20 site returns) on the real snapshot.

Every expected value is read straight from the publisher files with pandas (thousands separators and "Not
Applicable" parsed by pandas, not by the build's reader or SQL), or worked by hand from the published conversion
factors. No trust-level ERIC 2019/20 file is held offline, so the 2019/20 trust totals are reconciled with the
site file itself; 2015/16 and 2016/17 are reconciled with their trust files.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

pytestmark = pytest.mark.e2e

SITES_FILE = "nhs_eric/ERIC_201920_SiteData_for_R.csv"
TRUST_FILES = {"2015/16": "nhs_eric/ERIC-2015-16-trust.csv", "2016/17": "nhs_eric/ERIC-2016-17-trust.csv"}
# series measure -> the site file's column (2019/20)
SITE_COLUMNS = {
    "gross_internal_floor_area_m2": "Gross internal floor area (m²)",
    "backlog_high_risk_gbp": "Cost to eradicate high risk backlog (£)",
    "backlog_significant_risk_gbp": "Cost to eradicate significant risk backlog (£)",
    "backlog_moderate_risk_gbp": "Cost to eradicate moderate risk backlog (£)",
    "backlog_low_risk_gbp": "Cost to eradicate low risk backlog (£)",
    "gas_kwh": "Gas consumed (kWh)",
    "oil_kwh": "Oil consumed (kWh)",
    "steam_kwh": "Steam consumed (kWh)",
    "water_volume_m3": "Water volume (including borehole) (m³)",
    "parking_spaces": "Parking spaces available (No.)",
}
# indicator -> the site file's columns it sums (2019/20)
INDICATOR_COLUMNS = {
    "nhs_estate_gross_internal_floor_area": ["Gross internal floor area (m²)"],
    "nhs_estate_backlog_significant_risk_cost": ["Cost to eradicate significant risk backlog (£)"],
    "nhs_estate_water_volume": ["Water volume (including borehole) (m³)"],
    "nhs_estate_parking_spaces": ["Parking spaces available (No.)"],
    "nhs_estate_energy_consumption": [
        "Electricity consumed (kWh)",
        "Gas consumed (kWh)",
        "Oil consumed (kWh)",
        "Coal consumed (kWh)",
        "Electricity consumed - green energy tariff (kWh)",
        "Electricity consumed - third party owned renewable (kWh)",
        "Non-fossil fuel consumed - renewable (kWh)",
        "Steam consumed (kWh)",
        "Hot water consumed (kWh)",
    ],
}


@pytest.fixture(scope="module")
def sites(snapshot_dir: Path) -> pd.DataFrame:
    """The site file as pandas reads it: numbers with thousands separators, Not Applicable and blanks as NaN."""
    return pd.read_csv(
        snapshot_dir / SITES_FILE,
        encoding="utf-8",
        thousands=",",
        na_values=["Not Applicable"],
        keep_default_na=False,
        dtype={"Trust Code": str, "Site Code": str},
        low_memory=False,
    )


def _numeric(frame: pd.DataFrame, column: str) -> pd.Series:
    return pd.to_numeric(frame[column].replace("", None))


def _series(build, period: str, measure: str) -> pd.Series:
    return (
        build.execute(
            "select trust_code, value from intermediate.int_nhs_eric_trust_series_joined"
            " where period = ? and measure = ?",
            [period, measure],
        )
        .df()
        .set_index("trust_code")["value"]
    )


def test_pandas_reads_the_file_the_manifest_describes(sites):
    assert len(sites) == 1261 and len(sites.columns) == 165
    assert sites["Trust Code"].nunique() == 224
    assert (sites["Site Type"] == "Other Reportable Site").sum() == 176


def test_staging_turns_markers_into_null_with_a_status_and_strips_separators(build, sites):
    staged = (
        build.execute(
            "select site_code, gross_internal_floor_area_m2, electricity_kwh, electricity_kwh_status"
            " from staging.stg_nhs_eric__site_returns_2019_20"
        )
        .df()
        .set_index("site_code")
    )
    raw = sites.set_index("Site Code")
    assert len(staged) == len(raw)
    # "Not Applicable" is NULL with status suppressed, never 0
    not_applicable = raw.index[raw["Electricity consumed (kWh)"].isna()]
    assert len(not_applicable) == 137
    assert staged.loc[not_applicable, "electricity_kwh"].isna().all()
    assert (staged.loc[not_applicable, "electricity_kwh_status"] == "suppressed").all()
    # "8,524,748"-style numbers equal pandas' parse with thousands=","
    reported = raw.index[raw["Electricity consumed (kWh)"].notna()]
    assert (staged.loc[reported, "electricity_kwh_status"] == "ok").all()
    pd.testing.assert_series_equal(
        staged.loc[reported, "electricity_kwh"],
        _numeric(raw.loc[reported], "Electricity consumed (kWh)").astype(float),
        check_names=False,
    )
    assert staged.loc["R0A01", "gross_internal_floor_area_m2"] == 292119


def test_site_sums_per_trust_equal_the_file(build, sites):
    """2019/20 trust totals = the site file's rows summed by trust (every row, Other Reportable Sites included)."""
    for measure, column in SITE_COLUMNS.items():
        expected = sites.assign(v=_numeric(sites, column)).groupby("Trust Code")["v"].sum(min_count=1)
        got = _series(build, "2019/20", measure).reindex(expected.index)
        pd.testing.assert_series_equal(got, expected.astype(float), check_names=False, rtol=1e-12)
    counted = (
        build.execute("select trust_code, sites from intermediate.int_nhs_eric_site_returns_summed")
        .df()
        .set_index("trust_code")["sites"]
    )
    expected_sites = sites[sites["Site Type"] != "Other Reportable Site"].groupby("Trust Code").size()
    assert counted.sum() == expected_sites.sum() == 1085
    assert counted.reindex(expected_sites.index).tolist() == expected_sites.tolist()


@pytest.mark.parametrize("period", sorted(TRUST_FILES))
def test_earlier_years_equal_the_trust_files(build, snapshot_dir, period):
    trusts = pd.read_csv(
        snapshot_dir / TRUST_FILES[period],
        sep="$",
        header=1,
        na_values=["Not Applicable", "No Data Provided"],
        keep_default_na=False,
        encoding="utf-8",
        encoding_errors="replace",
        dtype={"Organisation Code": str},
    ).set_index("Organisation Code")
    for measure, column in {
        "gross_internal_floor_area_m2": "Gross internal floor area (m²)",
        "backlog_high_risk_gbp": "Cost to eradicate high risk backlog (£)",
        "gas_kwh": "Gas consumed (kWh)",
        "water_volume_m3": "Water volume (including borehole) (m³)",
        "parking_spaces": "Parking spaces available (No.)",
    }.items():
        expected = pd.to_numeric(trusts[column].replace("", None))
        got = _series(build, period, measure).reindex(expected.index)
        pd.testing.assert_series_equal(got, expected.astype(float), check_names=False)


def test_the_joined_series_measures_the_same_estate_each_year(build):
    """Where ERIC asked the same question each year the England totals must be of one kind: floor area
    barely moves between 2015/16 and 2019/20 (a definition change would show as a jump). Energy costs, whose
    2019/20 definition differs, say so on their rows."""
    totals = build.execute(
        "select period, sum(value) from intermediate.int_nhs_eric_trust_series_joined"
        " where measure = 'gross_internal_floor_area_m2' group by period order by period"
    ).fetchall()
    areas = dict(totals)
    assert set(areas) == {"2015/16", "2016/17", "2019/20"}
    assert max(areas.values()) / min(areas.values()) < 1.05
    flags = build.execute(
        "select period, bool_and(is_comparable_across_periods), any_value(definition_note)"
        " from intermediate.int_nhs_eric_trust_series_joined where measure = 'energy_cost_gbp' group by period"
    ).fetchall()
    flags = {period: (comparable, note) for period, comparable, note in flags}
    assert flags["2019/20"][0] is False and "No published total" in flags["2019/20"][1]
    assert flags["2015/16"][0] is True and flags["2016/17"][0] is True


def test_each_trust_is_conserved_across_the_icbs_of_every_vintage(build):
    shares = build.execute(
        "select period, trust_code, icb_vintage, sum(share) as total, count(distinct attribution_method) as methods"
        " from intermediate.int_nhs_eric_trusts_icbs_apportioned group by all"
    ).df()
    vintages = set(build.execute("select distinct icb_vintage from marts.icbs").df()["icb_vintage"])
    assert set(shares["icb_vintage"]) == vintages and {"ICB22", "ICB24", "ICB26"} <= vintages
    assert (shares["total"] - 1).abs().max() < 1e-9
    assert (shares["methods"] == 1).all()


def test_an_acute_trust_is_shared_by_the_published_catchment(build, snapshot_dir):
    """Manchester University (R0A), ICB22: the shares are OHID's own ICB22 proportions, read from the lookup."""
    lookup = pd.read_csv(snapshot_dir / "lookups/nhs_trust22_icb22_catchment_share.csv", dtype=str)
    r0a = lookup[lookup["nhs_trust22_code"] == "R0A"].set_index("icb22_code")["proportion_trust_came_from_icb"]
    expected = pd.to_numeric(r0a) / pd.to_numeric(r0a).sum()
    got = (
        build.execute(
            "select icb_code, share, attribution_method from intermediate.int_nhs_eric_trusts_icbs_apportioned"
            " where period = '2019/20' and trust_code = 'R0A' and icb_vintage = 'ICB22'"
        )
        .df()
        .set_index("icb_code")
    )
    assert set(got["attribution_method"]) == {"catchment_apportioned"}
    pd.testing.assert_series_equal(got["share"].sort_index(), expected.sort_index(), check_names=False, rtol=1e-12)


def test_merged_and_non_acute_trusts_say_how_they_were_attributed(build):
    methods = dict(
        build.execute(
            "select trust_code, any_value(attribution_method) from intermediate.int_nhs_eric_trusts_icbs_apportioned"
            " where period = '2019/20' and icb_vintage = 'ICB24' group by trust_code"
        ).fetchall()
    )
    assert methods["RDZ"] == "successor_catchment_apportioned"  # Bournemouth, now University Hospitals Dorset
    assert methods["RX9"] == "organisation_hq"  # East Midlands Ambulance Service
    # care trusts absent from ODS: their registered HQ ICB (TAD, TAH, TAJ) or their successor's (TAF, now part of
    # North London NHS Foundation Trust); none is left out
    assert {methods[code] for code in ("TAD", "TAF", "TAH", "TAJ")} == {"organisation_hq"}
    assert "not_attributed" not in methods.values()


@pytest.mark.parametrize("indicator", sorted(INDICATOR_COLUMNS))
def test_england_totals_over_icbs_equal_the_file_sums_of_attributed_sites(published, sites, indicator):
    """Every vintage's ICB figures add up to the site file's total over all its English trusts: every trust,
    care trusts included, is in some ICB."""
    values = sites[INDICATOR_COLUMNS[indicator]].apply(lambda c: pd.to_numeric(c.replace("", None)))
    expected = values.sum(axis=1, min_count=1).sum()
    totals = published.execute(
        "select icb_vintage, sum(value), count(*), count(value) from icb_indicators"
        " where indicator_id = ? and period = '2019/20' group by icb_vintage",
        [indicator],
    ).fetchall()
    assert {vintage for vintage, *_ in totals} >= {"ICB22", "ICB24", "ICB26"}
    for vintage, total, rows, with_value in totals:
        assert rows == with_value, vintage
        assert total == pytest.approx(expected, rel=1e-9), vintage


def test_icb_figures_carry_their_method_and_are_not_ranked(published):
    rows = published.execute(
        "select distinct method from icb_indicators where indicator_id like 'nhs_estate_%'"
    ).fetchall()
    assert rows == [("catchment_and_organisation_hq",)]
    ranked = published.execute(
        "select count(*) from icb_indicator_comparisons where indicator_id like 'nhs_estate_%'"
        " and (rank is not null or significance_95 <> 'not_compared')"
    ).fetchone()[0]
    assert ranked == 0


def test_carbon_of_a_known_trust_by_hand(build, sites):
    """Manchester University NHS FT (R0A), 2019/20, worked from the site file and the factors of "Greenhouse gas
    reporting: conversion factors 2019" (BEIS): UK electricity 0.2556, natural gas (gross CV) 0.18385, fuel oil
    (gross CV) 0.26782, coal (industrial) 0.33183, heat and steam 0.17606 kg CO2e per kWh."""
    r0a = sites[sites["Trust Code"] == "R0A"]

    def kwh(column: str) -> float:
        return float(pd.to_numeric(r0a[column].replace("", None)).sum())

    expected_kg = (
        (kwh("Electricity consumed (kWh)") + kwh("Electricity consumed - green energy tariff (kWh)")) * 0.2556
        + kwh("Gas consumed (kWh)") * 0.18385
        + kwh("Oil consumed (kWh)") * 0.26782
        + kwh("Coal consumed (kWh)") * 0.33183
        + (kwh("Steam consumed (kWh)") + kwh("Hot water consumed (kWh)")) * 0.17606
    )
    got = build.execute(
        "select sum(tonnes_co2e), count(*) filter (where carbon_status = 'no_conversion_factor')"
        " from intermediate.int_nhs_eric_trust_emissions_estimated where period = '2019/20' and trust_code = 'R0A'"
    ).fetchone()
    assert got[0] == pytest.approx(expected_kg / 1000, rel=1e-12)
    assert got[1] == 2  # third-party renewable electricity and non-fossil fuel: no factor, no carbon
    # the ICB figures carry the trust's carbon whole, shared across the ICBs of its catchment
    shared = build.execute(
        "select a.icb_vintage, sum(a.share * e.tonnes_co2e)"
        " from intermediate.int_nhs_eric_trusts_icbs_apportioned a"
        " join intermediate.int_nhs_eric_trust_emissions_estimated e using (period, trust_code)"
        " where a.period = '2019/20' and a.trust_code = 'R0A' group by a.icb_vintage"
    ).fetchall()
    for vintage, tonnes in shared:
        assert tonnes == pytest.approx(expected_kg / 1000, rel=1e-9), vintage


def test_every_factor_cites_its_publication(build):
    factors = build.execute(
        "select fuel, factor_year, eric_period, publication from reference.ghg_conversion_factors"
    ).df()
    assert len(factors) == 15
    for row in factors.itertuples():
        assert row.publication == f"Greenhouse gas reporting: conversion factors {row.factor_year}"
        assert row.eric_period.startswith(str(row.factor_year))


def test_breakdowns_add_up_to_the_icb_totals_and_the_file(published, sites):
    """Energy by source sums to each ICB's energy use; sites by type: England equals the file's count by type."""
    gaps = published.execute(
        """
        select b.icb_vintage, b.icb_code, b.period, sum(b.value) as by_source, any_value(i.value) as total
        from icb_indicator_breakdowns b
        join icb_indicators i
            on i.icb_code = b.icb_code and i.icb_vintage = b.icb_vintage and i.period = b.period
            and i.indicator_id = 'nhs_estate_energy_consumption'
        where b.indicator_id = 'nhs_estate_energy_consumption_by_source'
        group by all
        having abs(sum(b.value) - any_value(i.value)) > 1e-6 * any_value(i.value)
        """
    ).fetchall()
    assert gaps == []
    counted = (
        published.execute(
            "select breakdown_value, any_value(england_value) from icb_indicator_breakdowns"
            " where indicator_id = 'nhs_estate_sites_by_type' and icb_vintage = 'ICB24' group by 1"
        )
        .df()
        .set_index("breakdown_value")
        .iloc[:, 0]
    )
    expected = sites[sites["Site Type"] != "Other Reportable Site"]["Site Type"].value_counts()
    assert counted.sort_index().tolist() == expected.sort_index().tolist()
    assert sorted(counted.index) == sorted(expected.index)

"""Freshness as users mean it: the latest period a source's data covers, not when its file was fetched.

Unit tests set the classification against dates worked out by hand; the end-to-end tests read the session's real
snapshot build (tests/conftest.py) and check the latest periods against the snapshot files' own period columns,
read here independently with the csv module, and the classification on a fixed clock (ICS_BASELINE_TODAY).
"""

from __future__ import annotations

import csv
import json
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pytest

from pipelines.freshness import add_months, assess
from pipelines.registry import Registry, RegistryError, load_registry
from pipelines.settings import get_settings
from tests.conftest import PROJECT_ROOT, run_cli

# The fixed clock of the end-to-end classification. On 2026-07-01 a release counts as missed if it was due
# before 2026-05-31 (due date + 31 days of grace).
FIXED_TODAY = "2026-07-01"


@pytest.fixture(scope="module")
def registry() -> Registry:
    return load_registry(PROJECT_ROOT / "sources.yaml")


# --- the classification, against dates worked out by hand ------------------------------------------------------


def test_months_are_added_keeping_month_ends():
    assert add_months(date(2024, 3, 31), 6) == date(2024, 9, 30)
    assert add_months(date(2019, 12, 31), 24) == date(2021, 12, 31)
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert add_months(date(2025, 4, 30), 7) == date(2025, 11, 30)
    assert add_months(date(2024, 11, 15), 18) == date(2026, 5, 15)


def test_an_annual_source_with_2019_data_is_stale_however_recently_fetched(registry):
    # Annual, released 24 months after the year ends: 2020 was due by 2022-12-31, 2021 by 2023-12-31, 2022 by
    # 2024-12-31 and 2023 by 2025-12-31 (all more than a month before 2026-07-01); 2024 is due 2026-12-31.
    fuel_poverty = registry.get("beis_fuel_poverty_la_2010_2019")
    assert (fuel_poverty.cadence.value, fuel_poverty.publication_lag_months) == ("annual", 24)
    verdict = assess(fuel_poverty, "2019", date(2019, 12, 31), date(2026, 7, 1))
    assert verdict.data_freshness == "stale"
    assert verdict.periods_behind == 4
    assert verdict.next_period_due == date(2026, 12, 31)
    assert "4 newer periods due since 2022-12-31" in verdict.data_freshness_reason


def test_current_then_overdue_then_stale_as_the_clock_moves(registry):
    # Claimant count: annual, released 1 month after the year: 2026 is due 2027-01-31 (+31 days grace).
    claimant = registry.get("ons_els_claimant_count")
    end = date(2025, 12, 31)
    assert assess(claimant, "2025", end, date(2027, 3, 3)).data_freshness == "current"
    overdue = assess(claimant, "2025", end, date(2027, 3, 4))
    assert (overdue.data_freshness, overdue.periods_behind) == ("overdue", 1)
    # 2027 is due 2028-01-31; 2028 is a leap year, so its month of grace ends on 2 March.
    assert assess(claimant, "2025", end, date(2028, 3, 2)).data_freshness == "overdue"
    stale = assess(claimant, "2025", end, date(2028, 3, 3))
    assert (stale.data_freshness, stale.periods_behind) == ("stale", 2)


def test_sources_without_a_period_or_a_declared_interval_are_unknown_with_a_reason(registry):
    lookup = assess(registry.get("ons_lsoa21_icb24_lookup"), None, None, date(2026, 7, 1), "a lookup")
    assert (lookup.data_freshness, lookup.data_freshness_reason) == ("unknown", "a lookup")
    # Irregular, with no usual interval declared: the period is known, but not when the next one is due.
    mental = registry.get("ohid_fingertips_93495_common_mental_disorders")
    assert mental.release_interval_months is None
    verdict = assess(mental, "2017", date(2017, 12, 31), date(2026, 7, 1))
    assert verdict.data_freshness == "unknown" and "release_interval_months" in verdict.data_freshness_reason
    # Published once: the census is its only edition.
    census = assess(registry.get("ons_census2021_tenure_lsoa21"), "2021", date(2021, 12, 31), date(2026, 7, 1))
    assert census.data_freshness == "current"


def test_the_clock_is_injected_through_settings(monkeypatch):
    monkeypatch.setenv("ICS_BASELINE_TODAY", "2030-02-28")
    assert get_settings().today == date(2030, 2, 28)
    monkeypatch.setenv("ICS_BASELINE_TODAY", "28/02/2030")
    with pytest.raises(ValueError, match="ICS_BASELINE_TODAY"):
        get_settings()
    monkeypatch.delenv("ICS_BASELINE_TODAY")
    assert get_settings().today == datetime.now(UTC).date()


def test_a_release_interval_on_a_regular_cadence_is_refused(tmp_path):
    text = (PROJECT_ROOT / "sources.yaml").read_text(encoding="utf-8")
    bad = text.replace(
        "    publication_lag_months: 1\n    released: 2026-01-20\n",
        "    publication_lag_months: 1\n    release_interval_months: 6\n",
        1,
    )
    assert bad != text
    (tmp_path / "sources.yaml").write_text(bad, encoding="utf-8")
    with pytest.raises(RegistryError, match=r"ons_els_claimant_count.*release_interval_months"):
        load_registry(tmp_path / "sources.yaml")


# --- the real snapshot build ------------------------------------------------------------------------------------


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _els_latest(path: Path) -> str:
    """The latest ISO period of an Explore Local Statistics file with an observation, by its first day."""
    periods = {row["period"] for row in _rows(path) if row["observation"].strip()}
    return max(periods, key=lambda period: period[:10])


@pytest.fixture(scope="module")
def published(built_warehouse) -> dict[str, dict]:
    database = built_warehouse / "releases" / "latest" / "ics_baseline.duckdb"
    with duckdb.connect(str(database), read_only=True) as con:
        cursor = con.execute("select * from source_freshness")
        names = [d[0] for d in cursor.description]
        return {row[0]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}


@pytest.fixture(scope="module")
def status_on_fixed_day(built_warehouse) -> dict:
    result = run_cli("status", "--json", "--warehouse", str(built_warehouse), env={"ICS_BASELINE_TODAY": FIXED_TODAY})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_every_source_is_published_with_its_data_period_beside_its_retrieval(published, registry):
    assert set(published) == {s.id for s in registry.sources}
    for row in published.values():
        assert row["retrieved_at"] is not None
        assert row["data_freshness"] in {"current", "overdue", "stale", "unknown"}
        assert (row["latest_period"] is None) == (row["latest_period_end"] is None)
        if row["latest_period"] is None:
            assert row["data_freshness"] == "unknown" and row["data_freshness_reason"]


def test_latest_periods_match_the_files_own_period_columns(published, snapshot_dir):
    els = snapshot_dir / "ons_explore_local_statistics"
    # Claimant count: ISO interval "2025-01-01/P1Y", a calendar year.
    assert _els_latest(els / "claimant-count.csv") == "2025-01-01/P1Y"
    assert published["ons_els_claimant_count"]["latest_period"] == "2025"
    assert published["ons_els_claimant_count"]["latest_period_end"] == date(2025, 12, 31)
    # Employment rate: the file stops at 2023 although the snapshot was taken in 2026.
    assert _els_latest(els / "employment-rate.csv") == "2023-01-01/P1Y"
    assert published["ons_els_employment_rate"]["latest_period_end"] == date(2023, 12, 31)
    # Weekly pay (ASHE) is a point in time: the April reference date.
    assert _els_latest(els / "gross-median-weekly-pay.csv") == "2025-04-30"
    assert published["ons_els_gross_median_weekly_pay"]["latest_period_end"] == date(2025, 4, 30)
    # Adult obesity: survey years from mid-November, "2024-11-16/P1Y" ends 2025-11-15.
    assert _els_latest(els / "adult-obesity-prevalence.csv") == "2024-11-16/P1Y"
    assert published["ons_els_adult_obesity_prevalence"]["latest_period_end"] == date(2025, 11, 15)
    # Fuel poverty compilation: one column per year, the last with figures is 2019.
    rows = _rows(snapshot_dir / "fuel_poverty" / "fuel_poverty_la_2010_2019_pct.csv")
    years = [c for c in rows[0] if c.isdigit() and any(row[c].strip() for row in rows)]
    assert max(years) == "2019" == published["beis_fuel_poverty_la_2010_2019"]["latest_period"]
    # Health Index: a `year` column.
    years = {row["year"] for row in _rows(snapshot_dir / "ons_health_index" / "health_index_lad21_domains.csv")}
    assert max(years) == "2021" == published["ons_health_index_lad21_domains"]["latest_period"]
    # QOF smoking: the file holds 2023/24, a year the indicators do not use yet; the data period is still 2023/24.
    qof = _rows(snapshot_dir / "fingertips_raw" / "fingertips_91547_smoking_prevalence_qof_all_area_types.csv")
    assert max(row["Time period"] for row in qof if row["Value"].strip()) == "2023/24"
    assert published["ohid_fingertips_91547_qof_smoking"]["latest_period"] == "2023/24"
    assert published["ohid_fingertips_91547_qof_smoking"]["latest_period_end"] == date(2024, 3, 31)


def test_release_dates_are_the_publishers_own(published, snapshot_dir):
    els = snapshot_dir / "ons_explore_local_statistics"
    for source_id, stem in [
        ("ons_els_claimant_count", "claimant-count"),
        ("ons_els_gdhi_per_head", "gross-disposable-household-income-per-head"),
    ]:
        metadata = json.loads((els / f"{stem}.metadata.json").read_text(encoding="utf-8"))["ess-beta-metadata"]
        source_date = metadata.get("sourceDate") or metadata["shared"]["sourceDate"]
        assert published[source_id]["released_on"] == datetime.strptime(source_date, "%d/%m/%Y").date()
    unknown = published["ons_els_inactivity_long_term_sickness"]
    assert unknown["released_on"] is None and unknown["released_on_note"].startswith("not known")


def test_on_a_fixed_day_sources_are_classified_from_their_data_not_their_fetch(status_on_fixed_day):
    assert status_on_fixed_day["data_assessed_on"] == FIXED_TODAY
    sources = {s["source_id"]: s for s in status_on_fixed_day["sources"]}
    expected = {
        # 2025 data, the 2026 figures due 2027-01-31
        "ons_els_claimant_count": ("current", 0),
        # 2023 data, quarterly, 4 months' lag: 8 newer quarters due by 2026-04-30
        "ons_els_employment_rate": ("stale", 8),
        # 2019 data, annual, 24 months' lag: 2020 to 2023 due by 2025-12-31
        "beis_fuel_poverty_la_2010_2019": ("stale", 4),
        # 2023/24 in the file, annual, 7 months: 2024/25 due 2025-10-31, 2025/26 not until 2026-10-31
        "ohid_fingertips_91547_qof_smoking": ("overdue", 1),
        # 2023 data, 18 months' lag: 2024 due 2026-06-30, within its month of grace
        "ons_els_greenhouse_gas_emissions": ("current", 0),
        # Census 2021: published once
        "ons_census2021_disability_lsoa21": ("current", 0),
        # ERIC 2015/16: annual returns, ten years behind
        "nhs_eric_trusts_2015_16": ("stale", 9),
    }
    assert {k: (sources[k]["data_freshness"], sources[k]["periods_behind"]) for k in expected} == expected
    lookup = sources["ons_lsoa21_icb24_lookup"]
    assert lookup["data_freshness"] == "unknown" and "code vintage" in lookup["data_freshness_reason"]
    # The headline case: fetched within the last day, and still stale, because its newest data is for 2019.
    fuel_poverty = sources["beis_fuel_poverty_la_2010_2019"]
    retrieved = datetime.fromisoformat(fuel_poverty["retrieved_at"])
    assert (datetime.now(UTC) - retrieved).total_seconds() < 86400
    assert fuel_poverty["state"] == "fresh" and fuel_poverty["data_freshness"] == "stale"


def test_status_table_and_data_quality_page_show_period_beside_retrieval(built_warehouse, published):
    result = run_cli("status", "--warehouse", str(built_warehouse), env={"ICS_BASELINE_TODAY": FIXED_TODAY})
    assert result.returncode == 0, result.stderr
    line = next(x for x in result.stdout.splitlines() if "beis_fuel_poverty_la_2010_2019" in x)
    assert "2019" in line and "stale" in line
    assert f"data judged on {FIXED_TODAY}" in result.stdout
    page = (built_warehouse / "releases" / "latest" / "data-quality.html").read_text(encoding="utf-8")
    row = next(x for x in page.split("<tr>") if "<td>beis_fuel_poverty_la_2010_2019</td>" in x)
    assert "<td>2019</td>" in row and published["beis_fuel_poverty_la_2010_2019"]["data_freshness"] in row
    manifest = json.loads((built_warehouse / "releases" / "latest" / "manifest.json").read_text(encoding="utf-8"))
    entry = next(s for s in manifest["sources"] if s["source_id"] == "ons_els_claimant_count")
    assert (entry["latest_period"], entry["latest_period_end"], entry["released_on"]) == (
        "2025",
        "2025-12-31",
        "2026-01-20",
    )

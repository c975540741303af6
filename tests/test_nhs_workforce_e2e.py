"""The NHS as employer: NHS Digital's HCHS staff FTE (September 2017, June 2018) attributed to ICBs.

The truths come from the publishers' files read here with pandas (the workforce workbook, the OHID catchment
shares, the ODS trust file, the ONS LSOA21 -> ICB24 lookup and the Census 2021 age bands), never from the build's
own intermediate logic. The bad-input tests feed small hand-made workbooks through the real reader (raw asset and
its GX suite) and, for the checks that need the seeds, through the real dbt models and tests on a copy of the
build database.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pytest

from pipelines.readers import read_source
from pipelines.registry import load_registry
from pipelines.settings import PROJECT_ROOT
from tests.test_bad_inputs import _mirror_with, _settings, assert_rejected, materialise_raw

pytestmark = pytest.mark.e2e

SOURCE_ID = "nhs_digital_hchs_staff_by_nationality_2017_2018"
WORKBOOK = (
    "nhs_workforce/hchs-staff-by-staff-group-nationality-and-organisation-september-2017-and-june-2018_ah2324.xlsx"
)
PERIODS = {"2017-SEP": "2017-09", "2018-JUN": "2018-06"}
HEADER = ["Month", "Organisation code", "Organisation name", "Staff group", "Nationality", "FTE"]
DBT_DIR = PROJECT_ROOT / "dbt_project"
DBT = Path(sys.executable).parent / "dbt"


@pytest.fixture(scope="module")
def workforce(snapshot_dir: Path) -> pd.DataFrame:
    frame = pd.read_excel(snapshot_dir / WORKBOOK, sheet_name="Data", dtype={"Organisation code": str})
    frame["period"] = frame["Month"].map(PERIODS)
    frame["is_ccg"] = frame["Organisation code"].str[0].str.isdigit()
    return frame


# -- conservation and totals ---------------------------------------------------------------------------------


def test_each_organisations_fte_is_conserved_across_its_icbs_in_every_vintage(build, workforce):
    in_file = workforce.groupby(["Organisation code", "period"])["FTE"].sum()
    attributed = build.sql(
        "select organisation_code, period, icb_vintage, sum(fte) as fte "
        "from intermediate.int_nhs_workforce_fte_icbs_attributed group by all"
    ).df()
    vintages = set(attributed["icb_vintage"])
    assert {"ICB22", "ICB24", "ICB26"} <= vintages
    for vintage in vintages:
        over_icbs = attributed[attributed["icb_vintage"] == vintage].set_index(["organisation_code", "period"])["fte"]
        assert set(over_icbs.index) == set(in_file.index), vintage  # every organisation and month, none lost
        gaps = (over_icbs.reindex(in_file.index) - in_file).abs()
        assert gaps.max() < 1e-6, f"{vintage}: FTE not conserved for {gaps.idxmax()} ({gaps.max()})"


def test_england_total_over_icbs_is_the_files_total_for_english_nhs_trusts(published, workforce):
    trusts = workforce[~workforce["is_ccg"]].groupby("period")["FTE"].sum()
    ccgs = workforce[workforce["is_ccg"]].groupby("period")["FTE"].sum()
    # the national totals NHS Digital published for HCHS staff (MANIFEST: 1,052,963 and 1,061,617 FTE)
    assert round(trusts["2017-09"] + ccgs["2017-09"]) == 1_052_963
    assert round(trusts["2018-06"] + ccgs["2018-06"]) == 1_061_617
    sums = published.sql(
        "select indicator_id, icb_vintage, period, sum(value) as total, count(*) as icbs from icb_indicators "
        "where indicator_id in ('nhs_trust_hchs_fte', 'nhs_ccg_hchs_fte') group by all"
    ).df()
    assert len(sums) == 2 * 2 * 3  # two figures, two months, three vintages
    for row in sums.itertuples():
        expected = (trusts if row.indicator_id == "nhs_trust_hchs_fte" else ccgs)[row.period]
        assert row.total == pytest.approx(expected, rel=1e-9), row


def test_fte_as_a_share_of_residents_in_employment_sums_to_the_files_english_totals(published, workforce, snapshot_dir):
    """Over every vintage's ICBs the numerators are the file's English trust FTE and the denominators Census 2021's
    English residents in employment (TS066, read straight from the Nomis file), each counted once."""
    ts066 = pd.read_csv(snapshot_dir / "census2021_lad/census2021_ts066_economic_activity_utla23_ew.csv")
    english_counts = ts066[(ts066["MEASURES"] == 20100) & ts066["GEOGRAPHY_CODE"].str.startswith("E")]
    # summed from the leaves (employees and self-employed, part- and full-time, students or not), not the subtotals
    # the build reads
    leaves = english_counts[english_counts["C2021_EASTAT_20"].isin([*range(1, 7), *range(8, 14)])]
    assert leaves["C2021_EASTAT_20_NAME"].str.contains(": In employment: ").all()
    in_employment = leaves["OBS_VALUE"].sum()
    trusts = workforce[~workforce["is_ccg"]].groupby("period")["FTE"].sum()
    sums = published.sql(
        "select icb_vintage, period, sum(numerator) as fte, sum(denominator) as in_employment, count(*) as icbs, "
        "count(value) as with_value from icb_indicators "
        "where indicator_id = 'nhs_trust_hchs_fte_share_of_residents_in_employment' group by all"
    ).df()
    assert len(sums) == 2 * 3
    for row in sums.itertuples():
        assert row.with_value == row.icbs, row
        assert row.fte == pytest.approx(trusts[row.period], rel=1e-9), row
        assert row.in_employment == pytest.approx(in_employment, rel=1e-9), row
    # England: about 1 in 27 workers (all trust FTE over all residents in employment)
    assert 0.03 < trusts["2018-06"] / in_employment < 0.045


def test_nationality_and_staff_group_breakdowns_add_up_to_the_files_england_groups(published, workforce):
    groups = pd.read_csv(DBT_DIR / "seeds" / "nhs_nationality_groups.csv")
    assert set(workforce["Nationality"]) == set(groups["nationality"])  # 209, every one grouped
    trusts = workforce[~workforce["is_ccg"]].merge(groups, left_on="Nationality", right_on="nationality")
    by_nationality = trusts.groupby(["period", "nationality_group"])["FTE"].sum()
    by_staff_group = trusts.groupby(["period", "Staff group"])["FTE"].sum()
    breakdowns = published.sql(
        "select icb_vintage, period, breakdown, breakdown_value, sum(value) as total, any_value(england_value) as e "
        "from icb_indicator_breakdowns where indicator_id = 'nhs_trust_hchs_fte' group by all"
    ).df()
    for row in breakdowns.itertuples():
        expected = (by_nationality if row.breakdown == "nationality_group" else by_staff_group)[
            (row.period, row.breakdown_value)
        ]
        assert row.total == pytest.approx(expected, rel=1e-9), row
        assert row.e == pytest.approx(expected, rel=1e-9), row
    assert len(breakdowns) == 3 * 2 * (4 + 13)
    # EU share of England's trust FTE in June 2018, from the file: the published share's England comparator
    eu = by_nationality[("2018-06", "eu")] / trusts[trusts["period"] == "2018-06"]["FTE"].sum()
    england = published.sql(
        "select distinct england_value from icb_indicator_comparisons "
        "where indicator_id = 'nhs_trust_hchs_fte_eu_nationality_share' and period = '2018-06'"
    ).fetchall()
    assert england  # one per vintage, equal but for the last bits of parallel sums
    assert all(value == pytest.approx(eu, rel=1e-12) for (value,) in england)


# -- a known trust ------------------------------------------------------------------------------------------


def test_an_acute_trusts_staff_land_in_the_icbs_its_catchment_says(build, workforce, snapshot_dir):
    """Oxford University Hospitals (RTH): its FTE shared among ICB22s as OHID's catchment file shares its
    admissions (renormalised over English ICBs)."""
    catchment = pd.read_csv(snapshot_dir / "lookups/nhs_trust22_icb22_catchment_share.csv")
    shares = catchment[catchment["nhs_trust22_code"] == "RTH"].set_index("icb22_code")["proportion_trust_came_from_icb"]
    fte = workforce[(workforce["Organisation code"] == "RTH") & (workforce["period"] == "2018-06")]["FTE"].sum()
    landed = build.sql(
        "select icb_code, sum(fte) as fte from intermediate.int_nhs_workforce_fte_icbs_attributed "
        "where organisation_code = 'RTH' and icb_vintage = 'ICB22' and period = '2018-06' group by icb_code"
    ).df()
    landed = landed.set_index("icb_code")["fte"]
    assert set(landed.index) == set(shares.index)
    expected = fte * shares / shares.sum()
    assert (landed.reindex(expected.index) - expected).abs().max() < 1e-6
    assert expected.idxmax() == "E54000044"  # Buckinghamshire, Oxfordshire and Berkshire West takes most


def test_a_merged_acute_trust_takes_its_successors_catchment(build, workforce, snapshot_dir):
    """Poole Hospital (RD3) closed in ODS on 2020-09-30; University Hospitals Dorset (R0D) opened the next day. RD3
    is not in the 2022 catchment file, so its 2018 staff are shared like R0D's admissions."""
    ods = pd.read_csv(snapshot_dir / "nhs_ods/ods_etr_nhs_trusts.csv", header=None, dtype=str).set_index(0)
    assert ods.loc["RD3", 11] == "20200930" and ods.loc["R0D", 10] == "20201001"
    catchment = pd.read_csv(snapshot_dir / "lookups/nhs_trust22_icb22_catchment_share.csv")
    assert "RD3" not in set(catchment["nhs_trust22_code"])
    shares = catchment[catchment["nhs_trust22_code"] == "R0D"].set_index("icb22_code")["proportion_trust_came_from_icb"]
    fte = workforce[(workforce["Organisation code"] == "RD3") & (workforce["period"] == "2017-09")]["FTE"].sum()
    landed = build.sql(
        "select icb_code, sum(fte) as fte from intermediate.int_nhs_workforce_fte_icbs_attributed "
        "where organisation_code = 'RD3' and icb_vintage = 'ICB22' and period = '2017-09' group by icb_code"
    ).df()
    expected = fte * shares / shares.sum()
    assert (landed.set_index("icb_code")["fte"].reindex(expected.index) - expected).abs().max() < 1e-6


def test_a_non_acute_trusts_staff_all_land_in_its_headquarters_icb(build, workforce, snapshot_dir):
    """East Midlands Ambulance Service (RX9): wholly in the ICB24 whose ODS code is its ODS parent ICB."""
    ods = pd.read_csv(snapshot_dir / "nhs_ods/ods_etr_nhs_trusts.csv", header=None, dtype=str).set_index(0)
    lookup = pd.read_csv(snapshot_dir / "lookups/lsoa21_sicbl24_icb24_apr2024.csv", dtype=str)
    icb24 = lookup.loc[lookup["icb24_code_nhs"] == ods.loc["RX9", 3], "icb24_code"].unique()
    assert len(icb24) == 1
    fte = workforce[workforce["Organisation code"] == "RX9"].groupby("period")["FTE"].sum()
    landed = build.sql(
        "select period, icb_code, sum(fte) as fte from intermediate.int_nhs_workforce_fte_icbs_attributed "
        "where organisation_code = 'RX9' and icb_vintage = 'ICB24' group by all"
    ).df()
    assert set(landed["icb_code"]) == {icb24[0]}
    assert landed.set_index("period")["fte"].to_dict() == pytest.approx(fte.to_dict(), rel=1e-12)


def test_every_2018_trust_code_resolves_to_an_open_trust(build, workforce, snapshot_dir):
    ods = pd.read_csv(snapshot_dir / "nhs_ods/ods_etr_nhs_trusts.csv", header=None, dtype=str).set_index(0)
    care_trusts = set(pd.read_csv(DBT_DIR / "seeds" / "nhs_care_trust_parent_icbs.csv")["trust_code"])
    successions = pd.read_csv(DBT_DIR / "seeds" / "nhs_trust_successions.csv").set_index("predecessor_code")
    trust_codes = set(workforce.loc[~workforce["is_ccg"], "Organisation code"])
    for code in sorted(trust_codes):
        current = successions.loc[code, "successor_code"] if code in successions.index else code
        is_open = current in care_trusts or (current in ods.index and pd.isna(ods.loc[current, 11]))
        assert is_open, f"{code} -> {current} is not an open trust"
        if code in ods.index and pd.notna(ods.loc[code, 11]):
            assert code in successions.index, f"{code} closed in ODS on {ods.loc[code, 11]} with no successor"
    resolved = build.sql(
        "select organisation_code, current_trust_code, unattributable_reason "
        "from intermediate.int_nhs_workforce_organisations_resolved where organisation_kind <> 'ccg'"
    ).df()
    assert set(resolved["organisation_code"]) == trust_codes
    assert resolved["unattributable_reason"].isna().all()


# -- denominators -------------------------------------------------------------------------------------------


def test_per_1000_denominator_is_the_age_band_files_16_to_64_sum_for_one_icb(published, snapshot_dir):
    """NHS Cheshire and Merseyside ICB (ICB24): residents aged 16-64 summed over its LSOA21s."""
    ages = pd.read_csv(snapshot_dir / "population/census2021_lsoa21_age6_usual_residents_ew.csv")
    lookup = pd.read_csv(snapshot_dir / "lookups/lsoa21_sicbl24_icb24_apr2024.csv", dtype=str)
    lsoas = set(lookup.loc[lookup["icb24_code"] == "E54000008", "lsoa21_code"])
    bands = ["Aged 16 to 24 years", "Aged 25 to 34 years", "Aged 35 to 49 years", "Aged 50 to 64 years"]
    residents_16_64 = ages.loc[ages["Lower layer Super Output Areas Code"].isin(lsoas), bands].sum().sum()
    figures = published.sql(
        "select period, value, numerator, denominator from icb_indicators where icb_code = 'E54000008' "
        "and icb_vintage = 'ICB24' and indicator_id = 'nhs_trust_hchs_fte_per_1000_residents_16_64'"
    ).df()
    fte = published.sql(
        "select period, value from icb_indicators where icb_code = 'E54000008' and icb_vintage = 'ICB24' "
        "and indicator_id = 'nhs_trust_hchs_fte'"
    ).df()
    assert len(figures) == 2
    for row in figures.itertuples():
        assert row.denominator == residents_16_64
        assert row.numerator == pytest.approx(fte.set_index("period").loc[row.period, "value"], rel=1e-12)
        assert row.value == pytest.approx(1000 * row.numerator / residents_16_64, rel=1e-12)


# -- bad inputs: the workbook's traps -------------------------------------------------------------------------


def _workbook(path: Path, rows: list[list[object]], header: list[str] = HEADER) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Data"
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    notes = book.create_sheet("Notes")
    notes.append(["Hand-made test workbook in the layout of NHS Digital's HCHS nationality file"])
    book.save(path)
    return path.read_bytes()


GOOD_ROWS = [
    ["2018-JUN", "RTH", "Oxford University Hospitals NHS Foundation Trust", "HCHS doctors", "British", 10.5],
    ["2018-JUN", "RTH", "Oxford University Hospitals NHS Foundation Trust", "Midwives", "Polish", 0.25],
    ["2018-JUN", "RD3", "Poole Hospital NHS Foundation Trust", "Managers", "Unknown", 1.0],
    ["2018-JUN", "00D", "NHS Durham Dales, Easington and Sedgefield CCG", "Central functions", "Indian", 2.0],
]


def test_a_renamed_column_stops_the_build_naming_source_file_and_column(tmp_path):
    registry = load_registry(PROJECT_ROOT / "sources.yaml")
    source = registry.get(SOURCE_ID)
    header = [*HEADER[:4], "Country of nationality", HEADER[5]]
    data = _workbook(tmp_path / "bad.xlsx", GOOD_ROWS, header)
    settings = _settings(tmp_path / "warehouse", _mirror_with(tmp_path, source, data))
    result, problems = materialise_raw(source, registry, settings)
    assert_rejected(result, problems, (SOURCE_ID, source.file_name, "nationality"))


def test_an_unknown_staff_group_stops_the_build_at_the_raw_check(tmp_path):
    """A new staff group would silently add a breakdown group: the raw suite names the column. (The small workbook
    also fails the row-count floor, a separate problem line; the staff-group line must be there too.)"""
    registry = load_registry(PROJECT_ROOT / "sources.yaml")
    source = registry.get(SOURCE_ID)
    rows = [*GOOD_ROWS, ["2018-JUN", "RTH", "Oxford University Hospitals", "Physician associates", "British", 3.0]]
    settings = _settings(tmp_path / "warehouse", _mirror_with(tmp_path, source, _workbook(tmp_path / "b.xlsx", rows)))
    result, problems = materialise_raw(source, registry, settings)
    assert_rejected(result, problems, ("nhs_digital_hchs_staff_by_nationality_2017_2018", "staff_group"))


def _dbt(database: Path, target: Path, *args: str) -> subprocess.CompletedProcess:
    from pipelines.defs.transform.dbt import dbt_vars

    vars_json = json.dumps(dbt_vars(load_registry(PROJECT_ROOT / "sources.yaml")), sort_keys=True)
    return subprocess.run(
        [
            str(DBT),
            *args,
            "--vars",
            vars_json,
            "--project-dir",
            str(DBT_DIR),
            "--profiles-dir",
            str(DBT_DIR),
            "--target-path",
            str(target),
        ],
        env={**os.environ, "WAREHOUSE_PATH": str(database)},
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture(scope="module")
def corrupt_workforce_tested(built_warehouse: Path, tmp_path_factory) -> tuple[subprocess.CompletedProcess, Path]:
    """A copy of the build database whose raw workforce table is a hand-made workbook, read by the real reader,
    with a nationality the seed does not know (Atlantean) and a trust code that follows to nothing (RZZ); then the
    workforce models and their dbt tests, failures stored so the offending values can be read back."""
    tmp = tmp_path_factory.mktemp("workforce_corrupt")
    database = tmp / "ics_baseline.duckdb"
    shutil.copyfile(built_warehouse / "build" / "ics_baseline.duckdb", database)
    registry = load_registry(PROJECT_ROOT / "sources.yaml")
    source = registry.get(SOURCE_ID)
    rows = [
        *GOOD_ROWS,
        ["2018-JUN", "RTH", "Oxford University Hospitals NHS Foundation Trust", "Managers", "Atlantean", 1.0],
        ["2018-JUN", "RZZ", "Imaginary Hospitals NHS Trust", "HCHS doctors", "British", 4.0],
    ]
    frame = read_source(source, _write(tmp, source, rows))
    with duckdb.connect(str(database)) as con:
        con.register("incoming", frame)
        con.execute(f"create or replace table {source.raw_table} as select * from incoming")
    models = [
        "stg_nhs_workforce__hchs_staff_fte",
        "int_nhs_workforce_organisations_resolved",
        "int_nhs_workforce_fte_icbs_attributed",
    ]
    select = ["--select", " ".join(models)]
    run = _dbt(database, tmp / "target", "run", *select)
    assert run.returncode == 0, run.stdout[-3000:]
    tested = _dbt(database, tmp / "target", "test", *select, "--store-failures")
    return tested, database


def _write(tmp: Path, source, rows) -> Path:
    path = tmp / source.file_name
    _workbook(path, rows)
    return path


def test_a_nationality_not_in_the_seed_fails_loudly_naming_it(corrupt_workforce_tested):
    tested, database = corrupt_workforce_tested
    assert tested.returncode != 0
    failing = [line for line in tested.stdout.splitlines() if "FAIL" in line and "nationality" in line]
    assert any("relationships_stg_nhs_workforce__hchs_staff_fte_nationality" in line for line in failing), (
        tested.stdout[-3000:]
    )
    with duckdb.connect(str(database), read_only=True) as con:
        audit = con.sql(
            "select table_schema, table_name from information_schema.tables "
            "where table_name like 'relationships_stg_nhs_workforc%'"  # dbt shortens long test names with a hash
        ).fetchall()
        assert len(audit) == 1
        values = {row[0] for row in con.sql(f'select * from "{audit[0][0]}"."{audit[0][1]}"').fetchall()}
    assert values == {"Atlantean"}


def test_a_trust_code_with_no_successor_or_icb_fails_naming_it(corrupt_workforce_tested):
    tested, database = corrupt_workforce_tested
    assert any(
        "FAIL" in line and "assert_nhs_workforce_trusts_resolve_to_open_trusts" in line
        for line in tested.stdout.splitlines()
    ), tested.stdout[-3000:]
    with duckdb.connect(str(database), read_only=True) as con:
        audit = con.sql(
            "select table_schema, table_name from information_schema.tables "
            "where table_name = 'assert_nhs_workforce_trusts_resolve_to_open_trusts'"
        ).fetchall()
        assert len(audit) == 1
        failures = con.sql(f'select organisation_code, problem from "{audit[0][0]}"."{audit[0][1]}"').df()
    unresolved = failures[failures["problem"].str.startswith("unresolved")]
    assert unresolved["organisation_code"].tolist() == ["RZZ"]
    assert "no successor in nhs_trust_successions" in unresolved["problem"].iloc[0]

"""Bad input gets a clear error, publishes nothing, and leaves the previous release byte-identical."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import duckdb
import pytest

from tests.conftest import run_cli

pytestmark = pytest.mark.e2e


def _tree_digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


def _mirror(snapshot_dir: Path, target: Path) -> None:
    """A snapshot mirror made of links to the real files, so single files can be replaced by corrupt ones."""
    for path in snapshot_dir.rglob("*"):
        if path.is_file():
            link = target / path.relative_to(snapshot_dir)
            link.parent.mkdir(parents=True, exist_ok=True)
            link.symlink_to(path)


def _replace(mirror: Path, relative: str, text: str, encoding: str = "utf-8") -> None:
    path = mirror / relative
    path.unlink()
    path.write_text(text, encoding=encoding)


@pytest.fixture(scope="module")
def corrupted_build(built_warehouse, snapshot_dir, tmp_path_factory):
    """One failing build over a snapshot with three corruptions, on top of a warehouse holding a good release."""
    warehouse = tmp_path_factory.mktemp("warehouse_with_release")
    # the whole warehouse (build database and landing too): the build is incremental, as a real one would be
    shutil.copytree(built_warehouse, warehouse, symlinks=True, dirs_exist_ok=True)
    before = _tree_digest(warehouse / "releases")
    latest_before = (warehouse / "releases" / "latest").readlink().name

    mirror = tmp_path_factory.mktemp("corrupt_snapshot")
    _mirror(snapshot_dir, mirror)

    # 1. A renamed header: the publisher calls utla23_code something else this release.
    lookup = (snapshot_dir / "lookups/lad23_utla23_ew.csv").read_text(encoding="utf-8")
    _replace(mirror, "lookups/lad23_utla23_ew.csv", lookup.replace("utla23_code", "upper_tier_code", 1))

    # 2. Junk rows: footnotes padded to the full width, as spreadsheets exported to CSV often have.
    imd = (snapshot_dir / "imd2025/IoD2025_lsoa21_scores_ranks_deciles.csv").read_text(encoding="utf-8")
    width = len(imd.splitlines()[0].split(","))
    footer = "".join(f"{note}{',' * (width - 1)}\n" for note in ("Source: MHCLG", "Note: 1 = most deprived"))
    _replace(mirror, "imd2025/IoD2025_lsoa21_scores_ranks_deciles.csv", imd + footer)

    # 3. Wrong codes: ICB ODS codes (QYG) where the ONS E54 code belongs.
    icb24 = (snapshot_dir / "lookups/lsoa21_sicbl24_icb24_apr2024.csv").read_text(encoding="utf-8")
    _replace(mirror, "lookups/lsoa21_sicbl24_icb24_apr2024.csv", icb24.replace(",E54000008,", ",QYG,", 25))

    result = run_cli("build", "--snapshot", str(mirror), "--warehouse", str(warehouse))
    return result, warehouse, before, latest_before


def test_bad_input_exits_non_zero(corrupted_build):
    result, *_ = corrupted_build
    assert result.returncode == 1, result.stdout + result.stderr
    assert "publication blocked" in result.stderr


def test_missing_column_names_source_file_and_column(corrupted_build):
    stderr = corrupted_build[0].stderr
    assert "source ons_lad23_utla23_lookup, file lad23_utla23_ew.csv, column 'utla23_code'" in stderr
    assert "expected column missing" in stderr


def test_junk_rows_are_caught_naming_source_file_and_column(corrupted_build):
    stderr = corrupted_build[0].stderr
    line = next(ln for ln in stderr.splitlines() if "raw_mhclg_imd2025_lsoa21 failed" in ln)
    assert "source mhclg_imd2025_lsoa21, file IoD2025_lsoa21_scores_ranks_deciles.csv" in line
    assert "column 'lsoa21_code'" in line and "Source: MHCLG" in line


def test_wrong_codes_are_caught_naming_source_file_and_column(corrupted_build):
    stderr = corrupted_build[0].stderr
    line = next(ln for ln in stderr.splitlines() if "raw_ons_lsoa21_icb24_lookup failed" in ln)
    assert "source ons_lsoa21_icb24_lookup, file lsoa21_sicbl24_icb24_apr2024.csv" in line
    assert "column 'icb24_code'" in line and "QYG" in line


def test_nothing_is_published_and_the_previous_release_is_byte_identical(corrupted_build):
    _, warehouse, before, latest_before = corrupted_build
    assert (warehouse / "releases" / "latest").readlink().name == latest_before
    assert _tree_digest(warehouse / "releases") == before
    assert sorted(p.name for p in (warehouse / "releases").iterdir()) == sorted(["latest", latest_before])


# -- corruptions only the dbt layer can see: a build whose raw inputs all parse ----------------------------------

SMOKERS = "ons_explore_local_statistics/cigarette-smokers.csv"
MIDDLESBROUGH_2019 = "E06000002,Middlesbrough,County or Unitary Authority,Cigarette smokers,2019-01-01/P5Y,16.3,"
REDCAR_2020 = "E06000003,Redcar and Cleveland,County or Unitary Authority,Cigarette smokers,2020-01-01/P5Y,13.4,"
REDCAR_2019 = "E06000003,Redcar and Cleveland,County or Unitary Authority,Cigarette smokers,2019-01-01/P5Y,13.7,"
# A unitary authority code not issued in any vintage the lookups know (as a 2027 reorganisation would bring).
FUTURE_LAD = "E06000099"


def _build_with_smokers_file(built_warehouse, snapshot_dir, tmp_path_factory, edit):
    warehouse = tmp_path_factory.mktemp("warehouse_dbt_layer")
    # the whole warehouse: only the edited source and what depends on it are rebuilt
    shutil.copytree(built_warehouse, warehouse, symlinks=True, dirs_exist_ok=True)
    before = _tree_digest(warehouse / "releases")
    latest_before = (warehouse / "releases" / "latest").readlink().name
    mirror = tmp_path_factory.mktemp("corrupt_snapshot_dbt_layer")
    _mirror(snapshot_dir, mirror)
    _replace(mirror, SMOKERS, edit((snapshot_dir / SMOKERS).read_text(encoding="utf-8-sig")))
    result = run_cli("build", "--snapshot", str(mirror), "--warehouse", str(warehouse))
    return result, warehouse, before, latest_before


@pytest.fixture(scope="module")
def dbt_layer_build(built_warehouse, snapshot_dir, tmp_path_factory):
    """A percentage over 100 and suppression markers (which are fine) in one file.

    A separate build from the future code below: a failing dbt test stops the dbt step, and the GX suites on
    its models then do not run, so one corruption would hide the other.
    """

    def edit(smokers: str) -> str:
        for old, new in [
            (MIDDLESBROUGH_2019, MIDDLESBROUGH_2019.replace(",16.3,", ",163,")),
            (REDCAR_2020, REDCAR_2020.replace(",13.4,", ",[c],")),
            (REDCAR_2019, REDCAR_2019.replace(",13.7,", ",x,")),
        ]:
            assert smokers.count(old) == 1
            smokers = smokers.replace(old, new)
        return smokers

    return _build_with_smokers_file(built_warehouse, snapshot_dir, tmp_path_factory, edit)


@pytest.fixture(scope="module")
def future_code_build(built_warehouse, snapshot_dir, tmp_path_factory):
    def edit(smokers: str) -> str:
        hartlepool = next(line for line in smokers.splitlines() if line.startswith("E06000001,"))
        return smokers + hartlepool.replace("E06000001,Hartlepool", f"{FUTURE_LAD},Hartlepool and Stockton") + "\n"

    return _build_with_smokers_file(built_warehouse, snapshot_dir, tmp_path_factory, edit)


def test_dbt_layer_corruptions_block_publication(dbt_layer_build):
    result, warehouse, before, latest_before = dbt_layer_build
    assert result.returncode == 1, result.stdout + result.stderr
    assert (warehouse / "releases" / "latest").readlink().name == latest_before
    assert _tree_digest(warehouse / "releases") == before


def test_percentage_over_100_names_source_file_area_period_and_value(dbt_layer_build):
    stderr = dbt_layer_build[0].stderr
    line = next(ln for ln in stderr.splitlines() if ln.startswith("  - check") and "la_indicator_values failed" in ln)
    assert "source ons_els_cigarette_smokers, file cigarette-smokers.csv, la_code E06000002" in line
    assert "163.0 percent" in line and "(blocking)" in line


def test_future_vintage_la_code_blocks_publication_naming_the_check(future_code_build):
    result, warehouse, before, latest_before = future_code_build
    assert result.returncode == 1, result.stdout + result.stderr
    line = next(ln for ln in result.stderr.splitlines() if "assert_la_codes_resolve_to_lsoas failed" in ln)
    assert line.startswith("  - check") and "(blocking)" in line
    assert (warehouse / "releases" / "latest").readlink().name == latest_before
    assert _tree_digest(warehouse / "releases") == before


def test_suppression_markers_become_null_with_a_status_not_an_error(dbt_layer_build):
    result, warehouse, *_ = dbt_layer_build
    assert "E06000003" not in result.stderr
    with duckdb.connect(str(warehouse / "build" / "ics_baseline.duckdb"), read_only=True) as con:
        rows = con.sql(
            "select period_published, value, value_status from staging.stg_ons_els__smoking_prevalences"
            " where area_code = 'E06000003' and period_published in ('2019-01-01/P5Y', '2020-01-01/P5Y')"
            " order by period_published"
        ).fetchall()
    assert rows == [("2019-01-01/P5Y", None, "suppressed"), ("2020-01-01/P5Y", None, "suppressed")]

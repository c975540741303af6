"""Bad input gets a clear error, publishes nothing, and leaves the previous release byte-identical."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

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
    shutil.copytree(built_warehouse / "releases", warehouse / "releases", symlinks=True)
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

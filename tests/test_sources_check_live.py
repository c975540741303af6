"""`ics-baseline sources check --live`: the deployment's dry run of the live layouts, against a publisher mirror.

Each source's live adapter fetches only the start of what its publisher serves (a line-based file's first 256 KB,
an ArcGIS layer's first page), the registry's live layout reads it, and a table says what would load; a publisher
that renamed a column, or serves an error page with status 200, is named with the column or the reason.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from pipelines.registry import load_registry
from tests.conftest import PROJECT_ROOT, run_cli
from tests.publisher_mirror import PublisherMirror, serving

# One source of each live kind and publisher layout: paged ArcGIS (35,672 rows), a landing page linking a hashed
# CSV asset (33,755 rows), the Nomis API, a zip member, an R data file, and a workbook sheet under title rows.
SOURCES = [
    "ons_lsoa21_lad24_lookup",
    "mhclg_imd2025_lsoa21",
    "ons_census2021_economic_activity_utla23",
    "ons_census2021_ethnic_group_lsoa21",
    "ohid_trust22_icb22_catchment",
    "ons_census2021_ethnic_group_lad21",
]
WIDE = {"COLUMNS": "250"}


@pytest.fixture(scope="module")
def mirror(snapshot_dir, tmp_path_factory) -> Iterator[tuple[PublisherMirror, Path]]:
    workdir = tmp_path_factory.mktemp("check_live")
    with serving(PROJECT_ROOT / "sources.yaml", snapshot_dir, workdir, only=set(SOURCES)) as served:
        yield served


def _check(sources_file: Path, *extra: str):
    env = {"ICS_BASELINE_ALLOW_LOOPBACK_HTTP": "1", **WIDE}
    return run_cli("sources", "check", "--live", "--sources", str(sources_file), *extra, env=env)


def test_every_kind_and_layout_would_load_from_the_start_of_the_file(mirror):
    server, sources_file = mirror
    before = len(server.targets)
    result = _check(sources_file)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{len(SOURCES)} of {len(SOURCES)} sources would load" in result.stdout
    for source_id in SOURCES:
        line = next(line for line in result.stdout.splitlines() if source_id in line)
        assert "loads" in line and "FAILED" not in line, line
    # A dry run reads the first page of a paged layer, not all 36 of them.
    lookup = urlsplit(load_registry(sources_file).get("ons_lsoa21_lad24_lookup").live.url).path
    pages = [t for t in server.targets[before:] if urlsplit(t).path == lookup and "resultOffset" in t]
    assert len(pages) == 1
    # ...and the start of a large CSV: fewer rows than the file's 33,755.
    imd = next(line for line in result.stdout.splitlines() if "mhclg_imd2025_lsoa21" in line)
    rows_read = int(next(cell for cell in imd.split("│") if cell.strip().replace(",", "").isdigit()).replace(",", ""))
    assert 0 < rows_read < 33_755


def test_a_renamed_column_and_an_error_page_are_named(mirror):
    server, sources_file = mirror
    registry = load_registry(sources_file)
    imd_path = urlsplit(registry.get("mhclg_imd2025_lsoa21").live.url).path
    nomis_path = urlsplit(registry.get("ons_census2021_economic_activity_utla23").live.url).path
    imd_route, nomis_route = server.routes[imd_path], server.routes[nomis_path]
    original_imd, original_nomis = imd_route.body, nomis_route.body
    try:
        assert original_imd is not None
        imd_route.body = original_imd.replace(b"LSOA code (2021)", b"LSOA 2021 code", 1)
        nomis_route.body = b"<!DOCTYPE html><html><body>Service temporarily unavailable</body></html>"
        result = _check(sources_file)
    finally:
        imd_route.body, nomis_route.body = original_imd, original_nomis
    assert result.returncode == 1, result.stdout
    assert f"{len(SOURCES) - 2} of {len(SOURCES)} sources would load" in result.stdout
    failures = [line for line in result.stdout.splitlines() if line.startswith("FAILED ")]
    assert len(failures) == 2, result.stdout
    renamed = next(line for line in failures if "mhclg_imd2025_lsoa21" in line)
    assert "column 'lsoa21_code'" in renamed and "LSOA 2021 code" in renamed
    error_page = next(line for line in failures if "ons_census2021_economic_activity_utla23" in line)
    assert "HTML" in error_page


def test_one_source_can_be_checked_and_an_unknown_one_is_refused(mirror):
    _, sources_file = mirror
    one = _check(sources_file, "--source", "ohid_trust22_icb22_catchment")
    assert one.returncode == 0, one.stdout
    assert "1 of 1 sources would load" in one.stdout
    unknown = _check(sources_file, "--source", "no_such_source")
    assert unknown.returncode == 2 and "no_such_source" in unknown.stdout

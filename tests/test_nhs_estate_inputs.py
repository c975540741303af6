"""ERIC 2019/20 site data: each parser trap of the MANIFEST entry through the real reader and raw asset.

tests/bad_inputs/nhs_eric/ERIC_201920_SiteData_traps.csv is hand-made in the publisher's layout with every trap
at once: CRLF line endings and no newline at the end, UTF-8 with the pound, squared and cubed signs and an en
dash, quoted numbers with thousands separators, "Not Applicable" and blank cells, an "Other Reportable Site" row,
and the PFI cost pair repeated in three service sections. The text-in-a-figure-column case corrupts the real
snapshot file in a scratch mirror (the raw GX suite counts the file's 1,261 rows) and runs the real raw asset
and its blocking suite with Dagster.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from pipelines.readers import SourceFormatError, read_source
from pipelines.registry import Registry, load_registry
from pipelines.settings import PROJECT_ROOT
from tests.conftest import SNAPSHOT_DIR
from tests.test_bad_inputs import _mirror_with, _settings, assert_rejected, materialise_raw, raw_rows

SOURCE_ID = "nhs_eric_sites_2019_20"
TRAPS = Path(__file__).parent / "bad_inputs" / "nhs_eric" / "ERIC_201920_SiteData_traps.csv"


@pytest.fixture(scope="module")
def registry() -> Registry:
    return load_registry(PROJECT_ROOT / "sources.yaml")


def _copy_as_published_name(registry: Registry, tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / registry.get(SOURCE_ID).file_name
    path.write_bytes(data)
    return path


def test_the_hand_made_file_has_the_traps_it_claims():
    data = TRAPS.read_bytes()
    assert b"\r\n" in data and not data.endswith(b"\n")
    text = data.decode("utf-8")
    assert all(symbol in text for symbol in ("£", "²", "³", "–"))
    assert '"292,119"' in text and "Not Applicable" in text and ",," in text
    header = next(csv.reader(io.StringIO(text)))
    assert header.count("PFI Contractor (SPV) costs (£)") == 3


def test_crlf_no_final_newline_and_utf8_symbols_parse(registry, tmp_path):
    frame = read_source(registry.get(SOURCE_ID), _copy_as_published_name(registry, tmp_path, TRAPS.read_bytes()))
    assert frame["site_code"].tolist() == ["R0A01", "R1L28", "R0AORS"]
    # the last field of the last line, with no newline after it, is read whole
    assert frame["disabled_parking_spaces"].tolist()[-1] == "0"
    assert frame["site_name"].tolist()[1] == "ROBIN PINTO UNIT \u2013 LUTON"


def test_thousands_separators_markers_and_blanks_reach_staging_as_published(registry, tmp_path):
    """The reader keeps figures as text (staging's to_number strips the separators; value_status reads the
    markers): a separator is never taken for a field break, a marker never becomes 0, a blank becomes NULL."""
    frame = read_source(registry.get(SOURCE_ID), _copy_as_published_name(registry, tmp_path, TRAPS.read_bytes()))
    first, not_applicable = frame.iloc[0], frame.iloc[1]
    assert first["gross_internal_floor_area_m2"] == "292,119"
    assert first["electricity_kwh"] == "53,112,641"
    assert first["domestic_waste_incineration_tonnes"] == "1,409.31"
    assert not_applicable["electricity_kwh"] == "Not Applicable"
    assert not_applicable["backlog_high_risk_gbp"] == "Not Applicable"
    assert not_applicable["parking_spaces"] == "44"
    assert not_applicable[["disabled_parking_spaces", "tenure", "postcode"]].isna().all()


def test_repeated_header_names_are_numbered_in_file_order(registry, tmp_path):
    """The PFI pair repeats in every service section; the registry maps the energy section's (the second) by the
    reader's deterministic numbering, never the first section's values."""
    frame = read_source(registry.get(SOURCE_ID), _copy_as_published_name(registry, tmp_path, TRAPS.read_bytes()))
    assert frame["energy_pfi_contractor_cost_gbp"].iloc[0] == "1,234"
    assert frame["energy_pfi_management_cost_gbp"].iloc[0] == "5,678"


def test_a_file_without_the_energy_sections_repeat_fails_naming_the_column(registry, tmp_path):
    """A release without the later PFI pairs has no `_1`: that is an error naming source, file and column, not
    a NULL column. (A release dropping an EARLIER pair would move `_1` onto the next section unnoticed; no figure
    uses the PFI costs, which staging only carries.)"""
    text = TRAPS.read_bytes().decode("utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    drop = {i for i, name in enumerate(rows[0]) if name.startswith("PFI ")}
    drop = set(sorted(drop)[2:])  # keep only the first section's pair: the energy and water pairs are gone
    kept = [[cell for i, cell in enumerate(row) if i not in drop] for row in rows]
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(kept)
    path = _copy_as_published_name(registry, tmp_path, out.getvalue().encode("utf-8"))
    with pytest.raises(SourceFormatError) as raised:
        read_source(registry.get(SOURCE_ID), path)
    message = str(raised.value)
    assert message.startswith(f"source {SOURCE_ID}, file {path.name}, column 'energy_pfi_contractor_cost_gbp'")


def test_a_missing_column_names_source_file_and_column(registry, tmp_path):
    text = TRAPS.read_bytes().decode("utf-8").replace("Water volume (including borehole) (m³)", "Water volume (m3)")
    path = _copy_as_published_name(registry, tmp_path, text.encode("utf-8"))
    with pytest.raises(SourceFormatError) as raised:
        read_source(registry.get(SOURCE_ID), path)
    assert str(raised.value).startswith(f"source {SOURCE_ID}, file {path.name}, column 'water_volume_m3'")
    assert raised.value.column == "water_volume_m3"


def _with_text_in_floor_area(data: bytes, value: str) -> bytes:
    """The real file with one site's floor area replaced (the row re-written with csv, CRLF kept)."""
    lines = data.split(b"\r\n")
    header = next(csv.reader([lines[0].decode("utf-8")]))
    column = header.index("Gross internal floor area (m\u00b2)")
    row = next(csv.reader([lines[5].decode("utf-8")]))
    row[column] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(row)
    lines[5] = out.getvalue().encode("utf-8")
    return b"\r\n".join(lines)


def test_text_in_a_figure_column_blocks_the_raw_step_naming_the_column(registry, tmp_path):
    source = registry.get(SOURCE_ID)
    corrupted = _with_text_in_floor_area((SNAPSHOT_DIR / source.snapshot_path).read_bytes(), "Yes")
    settings = _settings(tmp_path / "warehouse", _mirror_with(tmp_path, source, corrupted))
    result, problems = materialise_raw(source, registry, settings)
    assert_rejected(result, problems, (SOURCE_ID, "gross_internal_floor_area_m2"))


def test_the_real_file_with_its_markers_is_accepted(registry, tmp_path):
    """The other half: Not Applicable (63,589 cells), blanks and the categorical text columns the models do not
    use pass the blocking suite and load all 1,261 sites."""
    source = registry.get(SOURCE_ID)
    settings = _settings(
        tmp_path / "warehouse", _mirror_with(tmp_path, source, (SNAPSHOT_DIR / source.snapshot_path).read_bytes())
    )
    result, problems = materialise_raw(source, registry, settings)
    assert result.success, "\n".join(problems)
    assert len(raw_rows(settings, source)) == 1261

"""Parsing: columns found by alias, layout problems reported with source, file and column."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest

from pipelines.readers import SourceFormatError, read_source
from pipelines.registry import Source, load_registry
from tests.conftest import PROJECT_ROOT

REGISTRY = load_registry(PROJECT_ROOT / "sources.yaml")


def _source(source_id: str, **format_changes) -> Source:
    source = REGISTRY.get(source_id)
    if format_changes:
        source = source.model_copy(update={"format": source.format.model_copy(update=format_changes)})
    return source


def _write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_publisher_headers_are_matched_by_alias(tmp_path):
    # The ONS layout of the lookup (LTLA23CD...) instead of the snapshot's snake_case names, in another order.
    path = _write(
        tmp_path,
        "lad23_utla23_ew.csv",
        "UTLA23NM,UTLA23CD,LTLA23NM, LTLA23CD \nKent,E10000016,Dover,E07000108\n",
    )
    frame = read_source(_source("ons_lad23_utla23_lookup"), path)
    assert list(frame.columns) == ["lad23_code", "lad23_name", "utla23_code", "utla23_name"]
    assert frame.iloc[0].tolist() == ["E07000108", "Dover", "E10000016", "Kent"]


def test_a_missing_column_names_source_file_and_column(tmp_path):
    path = _write(tmp_path, "lad23_utla23_ew.csv", "ltla23_code,ltla23_name,utla23_name\nE07000108,Dover,Kent\n")
    with pytest.raises(SourceFormatError) as caught:
        read_source(_source("ons_lad23_utla23_lookup"), path)
    message = str(caught.value)
    assert message.startswith("source ons_lad23_utla23_lookup, file lad23_utla23_ew.csv, column 'utla23_code'")
    assert caught.value.column == "utla23_code"


def test_optional_columns_may_be_absent(tmp_path):
    path = _write(tmp_path, "icb26.csv", "LSOA21CD,ICB26CD,ICB26NM\nE01000001,E54000029,NHS North East London\n")
    frame = read_source(_source("derived_lsoa21_icb26_lookup"), path)
    assert frame["icb24_code"].isna().all()


def test_text_is_kept_as_published_and_blank_cells_become_null(tmp_path):
    text = "areacd,areanm,geography,indicator,period,observation,unit,lci_95,uci_95,status\n"
    text += "E06000001 ,Hartlepool,LAD,Employment rate,2023-01-01/P1Y,,%,,,x\n"
    text += ",,,,,,,,,\n"
    frame = read_source(_source("ons_els_employment_rate"), _write(tmp_path, "e.csv", text))
    assert len(frame) == 1  # the all-blank row is dropped
    row = frame.iloc[0]
    assert row["area_code"] == "E06000001" and row["status"] == "x"
    assert row["observation"] is None or str(row["observation"]) == "<NA>"


def test_cp1252_bytes_in_a_utf8_source_are_a_clear_error(tmp_path):
    path = _write(
        tmp_path,
        "lad23_utla23_ew.csv",
        "ltla23_code,ltla23_name,utla23_code,utla23_name\nE1,Caf\u00e9 \u2013 x,E2,y\n",
        "cp1252",
    )
    with pytest.raises(SourceFormatError, match=r"lad23_utla23_ew.csv: cannot decode as utf-8-sig at line 2 \(byte"):
        read_source(_source("ons_lad23_utla23_lookup"), path)


def test_the_declared_encoding_reads_cp1252(tmp_path):
    path = _write(
        tmp_path,
        "l.csv",
        "ltla23_code,ltla23_name,utla23_code,utla23_name\nE1,Caf\u00e9 \u2013 x,E2,y\n",
        "cp1252",
    )
    frame = read_source(_source("ons_lad23_utla23_lookup", encoding="cp1252"), path)
    assert frame.iloc[0]["lad23_name"] == "Caf\u00e9 \u2013 x"


def test_an_html_error_page_is_not_parsed_as_data(tmp_path):
    path = _write(tmp_path, "lad23_utla23_ew.csv", "<!DOCTYPE html><html><body>Service unavailable</body></html>")
    with pytest.raises(SourceFormatError, match="got an HTML page"):
        read_source(_source("ons_lad23_utla23_lookup"), path)


def test_rows_with_a_different_field_count_are_reported_with_their_line(tmp_path):
    text = "ltla23_code,ltla23_name,utla23_code,utla23_name\nE1,a,E2,b\nSource: ONS\n"
    with pytest.raises(SourceFormatError, match=r"1 rows have a different number of fields .*line 3"):
        read_source(_source("ons_lad23_utla23_lookup"), _write(tmp_path, "l.csv", text))


def test_a_header_after_preamble_lines(tmp_path):
    text = "A disclaimer sentence\n\nltla23_code,ltla23_name,utla23_code,utla23_name\nE1,a,E2,b\n"
    frame = read_source(_source("ons_lad23_utla23_lookup", header_row=2), _write(tmp_path, "l.csv", text))
    assert frame.iloc[0]["lad23_code"] == "E1"


def test_a_dollar_delimited_file(tmp_path):
    text = "ltla23_code$ltla23_name$utla23_code$utla23_name\nE1$a, with comma$E2$b\n"
    frame = read_source(_source("ons_lad23_utla23_lookup", delimiter="$"), _write(tmp_path, "l.csv", text))
    assert frame.iloc[0]["lad23_name"] == "a, with comma"


def test_an_empty_file_has_no_data_rows(tmp_path):
    with pytest.raises(SourceFormatError, match="no rows"):
        read_source(_source("ons_lad23_utla23_lookup"), _write(tmp_path, "l.csv", ""))


def _workbook(path: Path, rows: list[list]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Table 2"
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


@pytest.mark.parametrize("preamble_rows", [2, 5])
def test_xlsx_header_found_by_anchor_wherever_it_moved(tmp_path, preamble_rows):
    rows = [["Sub-regional fuel poverty, 2020"]] + [[None]] * (preamble_rows - 1)
    rows += [["LTLA23NM", "LTLA23CD", "UTLA23CD", "UTLA23NM"], ["Dover", "E07000108", "E10000016", "Kent"]]
    path = _workbook(tmp_path / "t.xlsx", rows)
    source = _source("ons_lad23_utla23_lookup", type="xlsx", sheet="Table 2", header_anchor="LTLA23CD")
    frame = read_source(source, path)
    assert frame.iloc[0]["lad23_code"] == "E07000108"


def test_xlsx_anchor_missing_is_a_clear_error(tmp_path):
    path = _workbook(tmp_path / "t.xlsx", [["something else"], ["x"]])
    source = _source("ons_lad23_utla23_lookup", type="xlsx", sheet="Table 2", header_anchor="LTLA23CD")
    with pytest.raises(SourceFormatError, match="no header row containing 'LTLA23CD'"):
        read_source(source, path)


def test_geojson_properties_become_rows(tmp_path):
    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {
                    "ltla23_code": "E1",
                    "ltla23_name": "a",
                    "utla23_code": "E2",
                    "utla23_name": "b",
                },
                "geometry": None,
            }
        ],
    }
    path = _write(tmp_path, "l.geojson", json.dumps(doc))
    frame = read_source(_source("ons_lad23_utla23_lookup", type="geojson"), path)
    assert frame.iloc[0]["utla23_code"] == "E2"


def test_every_snapshot_source_parses(snapshot_dir):
    for source in REGISTRY.sources:
        frame = read_source(source, snapshot_dir / source.snapshot_path)
        assert len(frame) > 0 and list(frame.columns)[: len(source.columns)] == list(source.columns), source.id


def test_spreadsheet_footer_notes_are_trimmed_but_junk_among_data_is_kept(tmp_path):
    rows = [
        ["Table 3: Fuel Poverty by LSOA"],
        [None],
        ["LSOA Code", "Number of households", "Number of households in fuel poverty"],
    ]
    rows += [["E01000001", 936, 40], ["Total", 1, 1], ["E01000002", 893, 21], ["Back to contents", None, None]]
    path = _workbook(tmp_path / "fp.xlsx", rows)
    source = _source("desnz_fuel_poverty_lsoa11_2020", sheet="Table 2", header_anchor="LSOA Code")
    frame = read_source(source, path)
    # the trailing note goes; the "Total" row inside the data stays for the GX code check to reject
    assert frame["lsoa11_code"].tolist() == ["E01000001", "Total", "E01000002"]


def test_eric_layout_dollar_delimited_with_two_header_rows_in_cp1252(tmp_path):
    text = (
        "$$Trust Profile$$Finance\n"
        "Organisation Code$Organisation Name$Commissioning Region$Value of contracted out services (\u00a3)\n"
        "RA2$ROYAL SURREY COUNTY HOSPITAL NHS FOUNDATION TRUST$SOUTH$1,234\n"
    )
    path = _write(tmp_path, "ERIC-2015-16-trust.csv", text, "cp1252")
    source = _source("ons_lad23_utla23_lookup", delimiter="$", header_row=1, encoding="cp1252")
    source = source.model_copy(
        update={
            "columns": {
                "trust_code": source.columns["lad23_code"].model_copy(update={"aliases": ["Organisation Code"]}),
                "contracted_out_gbp": source.columns["lad23_code"].model_copy(
                    update={"aliases": ["Value of contracted out services (\u00a3)"]}
                ),
            }
        }
    )
    frame = read_source(source, path)
    assert frame.iloc[0].tolist() == ["RA2", "1,234"]

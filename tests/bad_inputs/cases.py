"""The bad-input corpus: each case is a source, how its snapshot file is corrupted, and what must happen.

A corruption is a function from the real snapshot bytes to the bytes the publisher "sent". `expect` lists
fragments that must all appear in ONE problem line of the build's report (the same lines `ics-baseline build`
prints): the source, the file, and the column, row or value at fault. `accepted` cases are the other half of the
contract: input that looks odd but is valid (a BOM, suppression markers, a header further down) must load.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass

import openpyxl

HTML_ERROR_PAGE = (
    b"<!DOCTYPE html>\n<html><head><title>Service unavailable</title></head>"
    b"<body><h1>Sorry, this file is temporarily unavailable</h1></body></html>\n"
)


@dataclass(frozen=True)
class Case:
    id: str
    source_id: str
    corrupt: Callable[[bytes], bytes]
    expect: tuple[str, ...] = ()
    accepted: bool = False
    rows: int | None = None  # accepted cases: the rows raw.<source> must hold


# -- corruption helpers -------------------------------------------------------------------------------------


def _lines(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True)


def keep_header_only(data: bytes) -> bytes:
    return _lines(data)[0]


def cut_mid_row(fraction: float) -> Callable[[bytes], bytes]:
    def cut(data: bytes) -> bytes:
        at = data.index(b"\n", int(len(data) * fraction)) + 6  # a few bytes into the next row
        return data[:at]

    return cut


def keep_lines(fraction: float) -> Callable[[bytes], bytes]:
    def cut(data: bytes) -> bytes:
        lines = _lines(data)
        return b"".join(lines[: int(len(lines) * fraction)])

    return cut


def replace(old: bytes, new: bytes, count: int = 1) -> Callable[[bytes], bytes]:
    def swap(data: bytes) -> bytes:
        assert old in data, f"corpus error: {old!r} not in the snapshot file"
        return data.replace(old, new, count)

    return swap


def rewrite_csv(edit: Callable[[list[list[str]]], list[list[str]]]) -> Callable[[bytes], bytes]:
    """Parse the snapshot CSV, edit its rows (header first), write it back as UTF-8 (BOM kept if present)."""

    def apply(data: bytes) -> bytes:
        bom = data.startswith(b"\xef\xbb\xbf")
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(edit(rows))
        return (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode("utf-8")

    return apply


def drop_column(name: str) -> Callable[[bytes], bytes]:
    def edit(rows: list[list[str]]) -> list[list[str]]:
        i = rows[0].index(name)
        return [r[:i] + r[i + 1 :] for r in rows]

    return rewrite_csv(edit)


def set_cell(column: str, row: int, value: str) -> Callable[[bytes], bytes]:
    """Row 1 is the first data row."""

    def edit(rows: list[list[str]]) -> list[list[str]]:
        rows[row][rows[0].index(column)] = value
        return rows

    return rewrite_csv(edit)


def set_cells(column: str, values: dict[int, str]) -> Callable[[bytes], bytes]:
    def edit(rows: list[list[str]]) -> list[list[str]]:
        for row, value in values.items():
            rows[row][rows[0].index(column)] = value
        return rows

    return rewrite_csv(edit)


def duplicate_row(row: int) -> Callable[[bytes], bytes]:
    return rewrite_csv(lambda rows: [*rows, rows[row]])


def with_bom(data: bytes) -> bytes:
    assert not data.startswith(b"\xef\xbb\xbf")
    return b"\xef\xbb\xbf" + data


def constant(payload: bytes) -> Callable[[bytes], bytes]:
    return lambda _data: payload


def fuel_poverty_workbook(
    sheet: str = "Table 3", anchor: str = "LSOA Code", preamble_rows: int = 2, rows: int = 3
) -> Callable[[bytes], bytes]:
    """A small workbook in the layout of DESNZ's sub-regional fuel poverty tables (Table 3)."""

    def build(_data: bytes) -> bytes:
        book = openpyxl.Workbook()
        book.active.title = "Contents"
        ws = book.create_sheet(sheet)
        ws.append(["Table 3: Fuel Poverty by LSOA [Note A], 2020 [Notes 3 and 4]"])
        for _ in range(preamble_rows - 1):
            ws.append([])
        ws.append([anchor, "LSOA Name", "LA Code", "LA Name", "Region", "Number of households",
                   "Number of households in fuel poverty", "Proportion of households fuel poor (%)"])  # fmt: skip
        for i in range(1, rows + 1):
            ws.append([f"E0100000{i}", f"City of London 001{'ABC'[i - 1]}", "E09000001", "City of London",
                       "London", 900 + i, 40 + i, (40 + i) / (900 + i) * 100])  # fmt: skip
        ws.append([])
        ws.append(["Source: DESNZ"])
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()

    return build


def truncated(fraction: float) -> Callable[[bytes], bytes]:
    return lambda data: data[: int(len(data) * fraction)]


# -- the corpus: snapshot-mirror cases through the real raw asset and its GX suite ---------------------------

LAD_UTLA = "ons_lad23_utla23_lookup"
LAD_UTLA_FILE = "lad23_utla23_ew.csv"
CATCHMENT = "ohid_trust22_icb22_catchment"
CATCHMENT_FILE = "nhs_trust22_icb22_catchment_share.csv"
HEALTH_INDEX = "ons_health_index_icb22_domains"
HEALTH_INDEX_FILE = "health_index_icb22_domains.csv"
RUC = "ons_lad24_rural_urban_classification_2021"
RUC_FILE = "lad24_rural_urban_classification_2021.csv"
HEEC = "heec_ccg_icb_lookup"
HEEC_FILE = "ccg_to_icb_ods_codes.csv"
SMOKERS = "ons_els_cigarette_smokers"
TENURE = "ons_census2021_tenure_lsoa21"
TENURE_FILE = "census2021_ts054_tenure_lsoa21_ew.csv"
FUEL = "desnz_fuel_poverty_lsoa11_2020"
FUEL_FILE = "sub-regional-fuel-poverty-2022-tables.xlsx"


def _src(source_id: str, file: str) -> tuple[str, str]:
    return f"source {source_id}", file


CASES: list[Case] = [
    # empty, HTML, truncated
    Case("empty_file", LAD_UTLA, constant(b""), (*_src(LAD_UTLA, LAD_UTLA_FILE), "empty file")),
    Case("header_only", LAD_UTLA, keep_header_only, (*_src(LAD_UTLA, LAD_UTLA_FILE), "no data rows")),
    Case("html_error_page_csv", SMOKERS, constant(HTML_ERROR_PAGE), (f"source {SMOKERS}", "got an HTML page")),
    Case("html_error_page_xlsx", FUEL, constant(HTML_ERROR_PAGE), (*_src(FUEL, FUEL_FILE), "got an HTML page")),
    Case(
        "truncated_mid_row",
        LAD_UTLA,
        cut_mid_row(0.6),
        (*_src(LAD_UTLA, LAD_UTLA_FILE), "different number of fields from the header (first: line"),
    ),
    Case(
        "truncated_at_line_end",
        CATCHMENT,
        keep_lines(0.6),
        (*_src(CATCHMENT, CATCHMENT_FILE), "expect_table_row_count_to_equal", "[critical]"),
    ),
    # columns
    Case(
        "missing_column",
        RUC,
        drop_column("ruc21_code"),
        (*_src(RUC, RUC_FILE), "column 'ruc21_code'", "expected column missing"),
    ),
    Case(
        "renamed_column",
        HEEC,
        replace(b"ICB Code", b"ICB ODS"),
        (*_src(HEEC, HEEC_FILE), "column 'icb_ods_code'", "expected column missing"),
    ),
    # the civic map: without it every ICB would silently have no combined authority and no elected mayor
    Case(
        "register_without_combined_authorities",
        "mysociety_local_authorities",
        drop_column("combined-authority"),
        (
            *_src("mysociety_local_authorities", "mysociety_uk_local_authorities_current.csv"),
            "column 'combined_authority_register_code'",
            "expected column missing",
        ),
    ),
    # encodings: a BOM is fine; cp1252 bytes in a UTF-8 file are refused with the line
    Case("bom_is_tolerated", LAD_UTLA, with_bom, accepted=True, rows=318),
    Case(
        "cp1252_bytes_in_utf8_source",
        LAD_UTLA,
        replace(b"Isle of Anglesey,W06000001", "Ynys Môn,W06000001".encode("cp1252")),
        (*_src(LAD_UTLA, LAD_UTLA_FILE), "cannot decode as utf-8-sig at line 245", "Ynys M"),
    ),
    # duplicate keys
    Case(
        "duplicate_key",
        RUC,
        duplicate_row(1),
        (*_src(RUC, RUC_FILE), "column 'lad24_code': expect_column_values_to_be_unique", "E06000001"),
    ),
    Case(
        "duplicate_compound_key",
        SMOKERS,
        duplicate_row(5),
        (f"source {SMOKERS}", "expect_compound_columns_to_be_unique", "'area_code', 'geography', 'indicator'"),
    ),
    # codes of the wrong vintage or type
    Case(
        "ccg_codes_where_icb_expected",
        HEALTH_INDEX,
        replace(b"E54000008,", b"E38000014,", 3),
        (*_src(HEALTH_INDEX, HEALTH_INDEX_FILE), "column 'icb22_code'", "E38000014"),
    ),
    Case(
        "ccg_codes_in_catchment",
        CATCHMENT,
        replace(b",E54000010,", b",E38000101,", 2),
        (*_src(CATCHMENT, CATCHMENT_FILE), "column 'icb22_code'", "E38000101"),
    ),
    Case(
        "ods_codes_where_gss_expected",
        RUC,
        set_cell("ltla24_code", 3, "RX1"),
        (*_src(RUC, RUC_FILE), "column 'lad24_code'", "RX1"),
    ),
    # out-of-range values
    Case(
        "share_over_one",
        CATCHMENT,
        set_cell("proportion_trust_came_from_icb", 2, "1.7"),
        (*_src(CATCHMENT, CATCHMENT_FILE), "column 'admissions_share_number'", "1.7"),
    ),
    Case(
        "index_score_out_of_range",
        HEALTH_INDEX,
        set_cell("overall_score", 4, "960.3"),
        (*_src(HEALTH_INDEX, HEALTH_INDEX_FILE), "column 'overall_number'", "960.3"),
    ),
    Case(
        "negative_count",
        TENURE,
        set_cell("Tenure of household: Total: All households", 7, "-12"),
        (*_src(TENURE, TENURE_FILE), "column 'households'", "-12"),
    ),
    Case(
        "unknown_classification",
        RUC,
        set_cell("ruc21_code", 2, "XXX"),
        (*_src(RUC, RUC_FILE), "column 'ruc21_code'", "XXX"),
    ),
    # suppression markers in a numeric column are data, not errors (staging makes them NULL + value_status)
    Case(
        "suppression_markers_accepted",
        SMOKERS,
        set_cells("observation", {3: "[c]", 4: "x", 5: "..", 6: ""}),
        accepted=True,
    ),
    # xlsx layout drift
    Case(
        "xlsx_header_anchor_renamed",
        FUEL,
        fuel_poverty_workbook(anchor="LSOA 2011 code"),
        (*_src(FUEL, FUEL_FILE), "no header row containing 'LSOA Code' in Table 3"),
    ),
    Case(
        "xlsx_table_moved_to_another_sheet",
        FUEL,
        fuel_poverty_workbook(sheet="Table 3a"),
        (*_src(FUEL, FUEL_FILE), "cannot read sheet 'Table 3'"),
    ),
    Case(
        "xlsx_truncated_download",
        FUEL,
        truncated(0.5),
        (*_src(FUEL, FUEL_FILE), "not a readable xlsx workbook"),
    ),
]

# Accepted by the reader, but a 3-row workbook fails the suite's row count, so it is checked at the reader.
XLSX_HEADER_MOVED_DOWN = Case("xlsx_header_moved_down", FUEL, fuel_poverty_workbook(preamble_rows=40), accepted=True)

"""The Excel workbook of one ICB's baseline pack (xlsxwriter).

Sheets: Summary, one per Step 1 domain (latest figure of each indicator with its benchmarks), Places (the ICB's
local authorities side by side), NHS as anchor (the NHS's figures with their periods, the gaps, and who the system
works with), Series (every period), Peers, Inequality, Metadata, Data quality, About.
Significance is shown by a symbol and a word as well as a colour, so it survives printing in black and white and
reading by screen readers.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import xlsxwriter

from pipelines.packs.anchor import PARTNER_TYPES, AnchorView, anchor_view
from pipelines.packs.data import OGL_ATTRIBUTION, VINTAGE_LABELS, IcbPack
from pipelines.packs.places import PlacesView, places_view

DOMAINS = [
    "employment and skills",
    "research and development",
    "procurement",
    "estates",
    "population health",
    "net zero",
    "civic leadership",
]

SIGNIFICANCE_LABELS = {
    "better": "▲ Better",
    "similar": "● Similar",
    "worse": "▼ Worse",
    "not_compared": "– Not compared",
}
SIGNIFICANCE_COLOURS = {"better": "#D9EAD3", "similar": "#FFF2CC", "worse": "#F4CCCC", "not_compared": "#EEEEEE"}

TREND_LABELS = {
    "getting_better": "Getting better",
    "getting_worse": "Getting worse",
    "no_significant_change": "No significant change",
    "insufficient_points": "Fewer than 5 points",
    "not_tested": "Not tested",
    "not_assessed_no_polarity": "Changing (no polarity)",
    "no_value": "",
}

# Excel number formats by unit. Percentages are published as 0-100 values; proportions as 0-1.
UNIT_FORMATS = {
    "percent": "0.0",
    "proportion": "0.0%",
    "per_100000": "#,##0.0",
    "per_1000": "#,##0.0",
    "fte": "#,##0",
    "persons": "#,##0",
    "dwellings": "#,##0",
    "trusts": "#,##0",
    "trust_equivalents": "#,##0.00",
    "gbp": "£#,##0",
    "gbp_per_head": "£#,##0",
    "gbp_per_hour": "£#,##0.00",
    "gbp_per_job": "£#,##0",
    "gbp_per_week": "£#,##0.0",
    "kwh": "#,##0",
    "participants": "#,##0",
    "square_metres": "#,##0",
    "years": "0.0",
    "years_gap": "0.0",
    "minutes": "0.0",
    "score": "0.00",
    "score_0_10": "0.00",
    "index": "0.0",
    "ratio": "0.00",
    "tonnes_co2e_per_head": "0.00",
}
DEFAULT_FORMAT = "#,##0.00"

# The columns figure sheets can show: source column -> (header, kind). Kind "value" takes the row's unit format.
FIGURE_COLUMNS: dict[str, tuple[str, str]] = {
    "title": ("Indicator", "text"),
    "domain": ("Domain", "text"),
    "period": ("Period", "text"),
    "value": ("Value", "value"),
    "unit": ("Unit", "text"),
    "lower_ci_95": ("Lower 95% CI", "value"),
    "upper_ci_95": ("Upper 95% CI", "value"),
    "england_value": ("England", "value"),
    "england_value_source": ("England from", "text"),
    "region_value": ("NHS region", "value"),
    "peer_group_value": ("Peer average", "value"),
    "rank": ("Rank", "integer"),
    "rank_of": ("Of", "integer"),
    "quintile": ("Quintile (1 = best)", "integer"),
    "significance_95": ("Compared with England (95%)", "significance"),
    "significance_998": ("Compared with England (99.8%)", "significance"),
    "trend_assessment": ("Recent trend", "trend"),
    "change_since_previous": ("Change since previous period", "value"),
    "previous_period": ("Previous period", "text"),
    "method": ("How the figure was made", "text"),
    "not_compared_reason": ("Why not compared", "text"),
    "counts_basis": ("Counts behind the figure", "text"),
    "value_status": ("Status", "text"),
    "coverage": ("Coverage", "share"),
    "indicator_id": ("Indicator id", "text"),
}


def _figure_columns(*sources: str) -> list[tuple[str, str, str]]:
    """(header, source column, kind) for each named column."""
    return [(FIGURE_COLUMNS[source][0], source, FIGURE_COLUMNS[source][1]) for source in sources]


# A domain sheet: the latest figure of each indicator with all its benchmarks.
DOMAIN_COLUMNS = _figure_columns(
    "title", "period", "value", "unit", "lower_ci_95", "upper_ci_95", "england_value", "england_value_source",
    "region_value", "peer_group_value", "rank", "rank_of", "quintile", "significance_95", "significance_998",
    "not_compared_reason", "trend_assessment", "change_since_previous", "previous_period", "method",
    "counts_basis", "value_status", "coverage", "indicator_id",
)  # fmt: skip

# The Series sheet: every period.
SERIES_COLUMNS = _figure_columns(
    "title", "domain", "period", "value", "unit", "lower_ci_95", "upper_ci_95", "england_value", "region_value",
    "peer_group_value", "significance_95", "value_status", "method", "indicator_id",
)  # fmt: skip

METADATA_COLUMNS: list[tuple[str, str, str]] = [
    ("Indicator", "title", "text"),
    ("Indicator id", "indicator_id", "text"),
    ("Domain", "domain", "text"),
    ("Theme", "theme", "text"),
    ("Levelling Up mission", "levelling_up_mission", "text"),
    ("Definition", "definition", "text"),
    ("Numerator", "numerator_definition", "text"),
    ("Denominator", "denominator_definition", "text"),
    ("Unit", "unit", "text"),
    ("Polarity", "polarity", "text"),
    ("Aggregation to ICB", "aggregation", "text"),
    ("Confidence intervals", "ci_method", "text"),
    ("Source", "source_id", "text"),
    ("Publisher", "publisher", "text"),
    ("Licence", "licence", "text"),
    ("Update cadence", "cadence", "text"),
    ("Next expected release", "next_release", "text"),
    ("Source page", "source_landing_page", "text"),
    ("Caveats", "caveats", "text"),
]

DOMAIN_SHEET_NAMES = {domain: domain.capitalize()[:31] for domain in DOMAINS}


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


class _Formats:
    def __init__(self, workbook: xlsxwriter.Workbook):
        self.workbook = workbook
        self.title = workbook.add_format({"bold": True, "font_size": 16})
        self.subtitle = workbook.add_format({"italic": True, "font_color": "#555555"})
        self.header = workbook.add_format(
            {"bold": True, "bg_color": "#1F4E79", "font_color": "#FFFFFF", "text_wrap": True, "valign": "top"}
        )
        self.wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
        self.bold = workbook.add_format({"bold": True})
        self.integer = workbook.add_format({"num_format": "0"})
        self.share = workbook.add_format({"num_format": "0.0%"})
        self.units: dict[str, Any] = {}
        self.significance = {
            key: workbook.add_format({"bg_color": colour, "border": 1, "border_color": "#BBBBBB"})
            for key, colour in SIGNIFICANCE_COLOURS.items()
        }

    def unit(self, unit: str | None) -> Any:
        unit = unit or ""
        if unit not in self.units:
            self.units[unit] = self.workbook.add_format({"num_format": UNIT_FORMATS.get(unit, DEFAULT_FORMAT)})
        return self.units[unit]


def _write_table(
    sheet,
    formats: _Formats,
    first_row: int,
    columns: list[tuple[str, str, str]],
    frame: pd.DataFrame,
    widths: dict[str, int] | None = None,
) -> int:
    """Write a header row and one row per record; returns the next free row."""
    for col, (header, _, _) in enumerate(columns):
        sheet.write_string(first_row, col, header, formats.header)
        width = (widths or {}).get(header, max(10, min(45, len(header) + 2)))
        sheet.set_column(col, col, width)
    # Column by column from plain lists (no per-cell pandas calls). Missing cells are left unwritten: a blank
    # cell without a format is not stored by xlsxwriter anyway.
    count = len(frame)
    rows = range(first_row + 1, first_row + 1 + count)
    write_string, write_number = sheet.write_string, sheet.write_number
    unit_formats: list[Any] | None = None
    shown = [c for c in dict.fromkeys([source for _, source, _ in columns] + ["unit"]) if c in frame.columns]
    # one conversion of the shown columns to Python objects (Timestamps stay Timestamps), not one per column
    table = frame[shown].to_numpy(dtype=object).T
    gaps = pd.isna(table)
    values = {name: (table[i].tolist(), gaps[i].tolist()) for i, name in enumerate(shown)}
    for col, (_, source, kind) in enumerate(columns):
        if source not in values:
            continue
        column, missing = values[source]
        cells = [(row, value) for row, value, gap in zip(rows, column, missing, strict=True) if not gap]
        if kind == "value":
            if unit_formats is None:
                units = values["unit"][0] if "unit" in values else [None] * count
                unit_formats = [formats.unit(None if _is_missing(unit) else unit) for unit in units]
            for row, value in cells:
                number = float(value)
                if math.isfinite(number):
                    write_number(row, col, number, unit_formats[row - first_row - 1])
        elif kind == "integer":
            for row, value in cells:
                write_number(row, col, int(value), formats.integer)
        elif kind == "share":
            for row, value in cells:
                write_number(row, col, float(value), formats.share)
        elif kind == "significance":
            for row, value in cells:
                write_string(row, col, SIGNIFICANCE_LABELS.get(value, str(value)), formats.significance.get(value))
        elif kind == "trend":
            for row, value in cells:
                write_string(row, col, TREND_LABELS.get(value, str(value)))
        else:
            for row, value in cells:
                write_string(row, col, str(value))
    return first_row + len(frame) + 1


def _header_block(sheet, formats: _Formats, pack: IcbPack, title: str) -> int:
    sheet.write_string(0, 0, title, formats.title)
    sheet.write_string(
        1,
        0,
        f"{pack.name} ({pack.code}), {VINTAGE_LABELS.get(pack.vintage, pack.vintage)}. "
        f"NHS region: {pack.icb.get('nhs_region_name') or 'not known'}. Release {pack.release_id}.",
        formats.subtitle,
    )
    return 3


def _summary_sheet(workbook, formats: _Formats, pack: IcbPack) -> None:
    sheet = workbook.add_worksheet("Summary")
    row = _header_block(sheet, formats, pack, "ICS social and economic baseline")
    residents = pack.icb.get("usual_residents_2021")
    if not _is_missing(residents):
        sheet.write_string(row, 0, "Usual residents (Census 2021)", formats.bold)
        sheet.write_number(row, 1, float(residents), formats.unit("persons"))
        row += 2
    sheet.write_string(row, 0, "Indicators compared with England, latest period, by Step 1 domain", formats.bold)
    row += 1
    summary = pack.domain_summary.copy()
    if not summary.empty:
        summary["domain"] = pd.Categorical(summary["domain"], DOMAINS, ordered=True)
        summary = summary.sort_values("domain")
        summary["domain"] = summary["domain"].astype(str).str.capitalize()
    columns = [
        ("Domain", "domain", "text"),
        ("Indicators with figures", "indicators_with_figures", "integer"),
        ("▲ Better than England", "significantly_better", "integer"),
        ("● Similar", "not_significantly_different", "integer"),
        ("▼ Worse than England", "significantly_worse", "integer"),
        ("– Not compared", "not_compared", "integer"),
        ("Getting better", "getting_better", "integer"),
        ("Getting worse", "getting_worse", "integer"),
    ]
    header_row = row
    row = _write_table(sheet, formats, row, columns, summary, widths={"Domain": 28})
    sheet.freeze_panes(header_row + 1, 1)
    row += 1
    worse = pack.latest[pack.latest.significance_95 == "worse"].sort_values(["domain", "title"])
    sheet.write_string(row, 0, "Significantly worse than England (95%)", formats.bold)
    row += 1
    row = _write_table(
        sheet,
        formats,
        row,
        [
            ("Indicator", "title", "text"),
            ("Period", "period", "text"),
            ("Value", "value", "value"),
            ("England", "england_value", "value"),
            ("Recent trend", "trend_assessment", "trend"),
        ],
        worse,
        widths={"Indicator": 60},
    )
    row += 1
    notes = [
        "Significance: ▲ better, ● similar, ▼ worse than England, judged as OHID Fingertips does (England's value "
        "outside the ICB's 95% confidence interval), read with each indicator's polarity. Intervals are the "
        "publisher's own, or Wilson/Byar on real counts (Census, QOF registers, NHS trusts); never from a rate "
        "times a population.",
        "– Not compared (never counted as better or worse): no honest interval (a rate published without its "
        "counts, a modelled estimate), a mean of local authority values (not an ICB statistic), a figure covering "
        "less than 90% of the ICB, no polarity, or a count. The domain sheets give the reason for each.",
        "England is the publisher's own figure wherever the source publishes one (column 'England from'); "
        "otherwise it, the region and peer averages are rebuilt from ICB figures with each indicator's own rule.",
        OGL_ATTRIBUTION,
    ]
    for note in notes:
        sheet.write_string(row, 0, note, formats.subtitle)
        row += 1
    sheet.set_column(0, 0, 60)


def _domain_sheet(workbook, formats: _Formats, pack: IcbPack, domain: str) -> None:
    sheet = workbook.add_worksheet(DOMAIN_SHEET_NAMES[domain])
    row = _header_block(sheet, formats, pack, domain.capitalize())
    latest = pack.latest[pack.latest.domain == domain].sort_values(["theme", "title"])
    if latest.empty:
        sheet.write_string(row, 0, "No figures for this ICB in this domain yet; see the Metadata sheet for gaps.")
        return
    _write_table(sheet, formats, row, DOMAIN_COLUMNS, latest, widths={"Indicator": 55})
    sheet.freeze_panes(row + 1, 1)
    sheet.autofilter(row, 0, row + len(latest), len(DOMAIN_COLUMNS) - 1)


# The Places sheet's list of places, one row each.
PLACE_LIST_COLUMNS = [
    ("Place", "name", "text"),
    ("Code", "code", "text"),
    ("Tier", "tier", "text"),
    ("Residents (Census 2021)", "residents", "integer"),
    ("Share of the ICB's residents", "share_of_icb_residents", "share"),
    ("Share of the place's residents in this ICB", "share_in_icb", "share"),
    ("Split across ICBs", "split_text", "text"),
]
# The figure table's columns before and after the places' (each place: value, then its verdict).
PLACE_LEADING_COLUMNS = ["Indicator", "Domain", "Period", "Unit", "England", "This ICB"]
PLACE_TRAILING_COLUMNS = ["Why places are not compared", "Indicator id"]
TIERS = {"lad": "District or unitary", "utla": "County council"}


def _places_sheet(workbook, formats: _Formats, pack: IcbPack, view: PlacesView) -> None:
    """One row per indicator (latest period with a figure for any place), the places as column groups of value
    and verdict against England; above it, the places with their shares of residents."""
    sheet = workbook.add_worksheet("Places")
    row = _header_block(sheet, formats, pack, "Places: the ICB's local authorities side by side")
    if not view:
        sheet.write_string(row, 0, "This release has no places (local authorities) for this ICB.")
        return
    notes = [
        "Local authority districts and unitaries (May 2024) with residents in this ICB, from the areas table. A "
        "county council is shown after them only for figures published for councils, not districts.",
        "Each row is one indicator's latest period with a figure for any place; England and the ICB are for that "
        "period. Verdicts compare each place with England at 95%, as for the ICB (▲ better, ● similar, ▼ worse, – "
        "not compared, with the reason in the last columns). A split place's figure is for the whole place.",
    ]
    for note in notes:
        sheet.write_string(row, 0, note, formats.subtitle)
        row += 1
    row += 1
    place_rows = pd.DataFrame(
        [
            {
                "name": p.name,
                "code": p.code,
                "tier": TIERS.get(p.area_type, p.area_type),
                "residents": p.residents,
                "share_of_icb_residents": p.share_of_icb_residents,
                "share_in_icb": p.share_in_icb,
                "split_text": p.split_text or None,
            }
            for p in view.places
        ]
    )
    row = _write_table(sheet, formats, row, PLACE_LIST_COLUMNS, place_rows, widths={"Place": 32})
    row += 1
    if not view.rows:
        sheet.write_string(row, 0, "No figures for these places in this release.")
        return
    # two header rows: the place names over their column groups, then each column's own header
    first_place_col = len(PLACE_LEADING_COLUMNS)
    for i, place in enumerate(view.places):
        col = first_place_col + 2 * i
        notes = [word for word, applies in (("county council", place.is_county), ("split", place.split)) if applies]
        label = place.name + (f" ({', '.join(notes)})" if notes else "")
        sheet.merge_range(row, col, row, col + 1, label, formats.header)
    header_row = row + 1
    headers = PLACE_LEADING_COLUMNS + ["Value", "vs England"] * len(view.places) + PLACE_TRAILING_COLUMNS
    for col, header in enumerate(headers):
        sheet.write_string(header_row, col, header, formats.header)
    for col in range(first_place_col):
        sheet.write_blank(row, col, None, formats.header)
    for col in range(len(headers) - len(PLACE_TRAILING_COLUMNS), len(headers)):
        sheet.write_blank(row, col, None, formats.header)
    sheet.set_column(0, 0, 55)
    sheet.set_column(1, 1, 18)
    sheet.set_column(2, 3, 12)
    sheet.set_column(4, first_place_col + 2 * len(view.places) - 1, 11)
    sheet.set_column(len(headers) - 2, len(headers) - 2, 50)
    sheet.set_column(len(headers) - 1, len(headers) - 1, 30)
    line = header_row
    for figure in view.rows:
        line += 1
        number = formats.unit(figure.unit)
        sheet.write_string(line, 0, figure.title)
        sheet.write_string(line, 1, str(figure.domain).capitalize())
        sheet.write_string(line, 2, str(figure.period))
        sheet.write_string(line, 3, figure.unit or "")
        for col, value in ((4, figure.england_value), (5, figure.icb_value)):
            if value is not None and math.isfinite(value):
                sheet.write_number(line, col, value, number)
        for i, place in enumerate(view.places):
            cell = figure.cells.get(place.code)
            if cell is None or cell.value is None:
                continue
            col = first_place_col + 2 * i
            sheet.write_number(line, col, cell.value, number)
            if view.has_verdicts:
                verdict = SIGNIFICANCE_LABELS.get(cell.significance, cell.significance)
                sheet.write_string(line, col + 1, verdict, formats.significance.get(cell.significance))
        if figure.reasons:
            sheet.write_string(line, len(headers) - 2, figure.reasons)
        sheet.write_string(line, len(headers) - 1, figure.indicator_id)
    sheet.freeze_panes(header_row + 1, 1)
    sheet.autofilter(header_row, 0, line, len(headers) - 1)
    if view.without_place_figures:
        sheet.write_string(
            line + 2,
            0,
            f"No place has a figure for {len(view.without_place_figures)} of the ICB's indicators (published for "
            f"ICBs or NHS organisations only): {'; '.join(view.without_place_figures)}.",
            formats.subtitle,
        )


# The NHS as anchor sheet: its figures (period first, so an old figure is seen as old), gaps and partners.
ANCHOR_FIGURE_COLUMNS: list[tuple[str, str, str]] = [
    ("Part", "part", "text"),
    ("Indicator", "title", "text"),
    ("Period", "period", "text"),
    ("Years before this release", "years_old", "integer"),
    ("Value", "value", "value"),
    ("Unit", "unit", "text"),
    ("How the figure was made", "method", "text"),
    ("Source", "source_id", "text"),
    ("Note", "note", "text"),
    ("Indicator id", "indicator_id", "text"),
]
ANCHOR_GAP_COLUMNS: list[tuple[str, str, str]] = [
    ("Part", "part", "text"),
    ("Gap", "title", "text"),
    ("What it would show, and why nothing is shown", "reason", "text"),
    ("Live source", "live_source", "text"),
    ("Indicator id", "indicator_id", "text"),
]
ANCHOR_PARTNER_COLUMNS: list[tuple[str, str, str]] = [
    ("Partner type", "partner_type", "text"),
    ("Partner", "name", "text"),
    ("Code", "code", "text"),
    ("Kind", "kind", "text"),
    ("Relationship", "relationship", "text"),
    ("Share of the partner's residents in the ICB (trusts: of its admitted patients)", "share_in", "share"),
    ("Share of the ICB's residents in the partner", "share_of", "share"),
    ("Coterminous with the ICB", "coterminous", "text"),
    ("Directly elected mayor", "mayor", "text"),
    ("As at", "as_at", "text"),
    ("Note", "note", "text"),
]


def _yes_no(flag: bool | None) -> str | None:
    return None if flag is None else ("Yes" if flag else "No")


def _anchor_sheet(workbook, formats: _Formats, pack: IcbPack, view: AnchorView) -> None:
    """The NHS as anchor institution: employer, estate, energy and carbon, primary care and civic figures, each
    with its period; the registry's gaps with their reasons; and who the system works with (icb_partners)."""
    sheet = workbook.add_worksheet("NHS as anchor")
    row = _header_block(sheet, formats, pack, "The NHS as anchor institution")
    if not view:
        sheet.write_string(row, 0, "The NHS anchor figures and the civic map are published for ICBs only.")
        return
    sheet.write_string(
        row,
        0,
        "Check each figure's period: several sources are years old (ERIC estates returns, the 2020 hospital "
        "catchments). Counts and money are not compared with England or ranked.",
        formats.subtitle,
    )
    row += 2
    sheet.write_string(row, 0, "Figures, latest period of each", formats.bold)
    row += 1
    figures = pd.DataFrame(
        [
            {
                "part": f.part,
                "title": f.title,
                "period": f.period or "no figure",
                "years_old": f.years_old,
                "value": f.value,
                "unit": f.unit,
                "method": f.method,
                "source_id": f.source_id,
                "note": "; ".join(
                    [f.note] * bool(f.note)
                    + [", ".join(f"{group}: {'' if v is None else f'{v:,.4g}'}" for group, v in f.by_group)]
                    * bool(f.by_group)
                ),
                "indicator_id": f.indicator_id,
            }
            for f in view.figures
        ],
        columns=[source for _, source, _ in ANCHOR_FIGURE_COLUMNS],
    )
    row = _write_table(sheet, formats, row, ANCHOR_FIGURE_COLUMNS, figures, widths={"Indicator": 55, "Note": 60})
    row += 1
    sheet.write_string(row, 0, "Gaps: what no offline source gives, and why nothing is shown", formats.bold)
    row += 1
    gaps = pd.DataFrame(
        [{"part": g.part, "title": g.title, "reason": g.reason, "live_source": g.live_source,
          "indicator_id": g.indicator_id} for g in view.gaps],
        columns=[source for _, source, _ in ANCHOR_GAP_COLUMNS],
    )  # fmt: skip
    row = _write_table(sheet, formats, row, ANCHOR_GAP_COLUMNS, gaps)
    row += 1
    sheet.write_string(row, 0, "Who the system works with", formats.bold)
    row += 1
    if not view.has_partner_table:
        sheet.write_string(row, 0, "This release has no civic map (icb_partners).")
        row += 1
    else:
        partners = pd.DataFrame(
            [
                {
                    "partner_type": PARTNER_TYPES.get(p.partner_type, p.partner_type),
                    "name": p.name,
                    "code": p.code,
                    "kind": p.kind,
                    "relationship": p.relationship,
                    "share_in": p.share_of_partner_in_icb,
                    "share_of": p.share_of_icb_in_partner,
                    "coterminous": _yes_no(p.coterminous),
                    "mayor": _yes_no(p.elected_mayor),
                    "as_at": p.as_at,
                    "note": p.note,
                }
                for p in view.partners
            ],
            columns=[source for _, source, _ in ANCHOR_PARTNER_COLUMNS],
        )
        row = _write_table(sheet, formats, row, ANCHOR_PARTNER_COLUMNS, partners)
    # widths last: the tables share columns, and the widest content of each column decides
    for col, width in enumerate([24, 55, 14, 14, 16, 22, 24, 28, 60, 40, 60]):
        sheet.set_column(col, col, width, formats.wrap if col in (1, 8, 10) else None)


def _series_sheet(workbook, formats: _Formats, pack: IcbPack) -> None:
    sheet = workbook.add_worksheet("Series")
    row = _header_block(sheet, formats, pack, "Every period of every indicator")
    series = pack.comparisons.sort_values(["domain", "title", "period_start", "period"])
    _write_table(sheet, formats, row, SERIES_COLUMNS, series, widths={"Indicator": 55})
    sheet.freeze_panes(row + 1, 1)
    sheet.autofilter(row, 0, row + len(series), len(SERIES_COLUMNS) - 1)


def _peers_sheet(workbook, formats: _Formats, pack: IcbPack) -> None:
    sheet = workbook.add_worksheet("Peers")
    row = _header_block(sheet, formats, pack, "Statistical neighbours")
    if pack.peers.empty:
        sheet.write_string(row, 0, "This release has no statistical neighbours.")
        return
    sheet.write_string(
        row,
        0,
        "The ICBs of the same vintage nearest on standardised, weighted context variables (CIPFA-style). "
        "Distance 0 = identical context.",
        formats.subtitle,
    )
    row += 2
    peers = pack.peers.sort_values("peer_rank")
    row = _write_table(
        sheet,
        formats,
        row,
        [
            ("Rank", "peer_rank", "integer"),
            ("Peer ICB", "peer_icb_name", "text"),
            ("Code", "peer_icb_code", "text"),
            ("Distance", "distance", "value"),
        ],
        peers,
        widths={"Peer ICB": 55},
    )
    if not pack.peer_context.empty:
        row += 1
        sheet.write_string(row, 0, "The context variables of this ICB", formats.bold)
        row += 1
        _write_table(
            sheet,
            formats,
            row,
            [
                ("Variable", "title", "text"),
                ("Period", "period", "text"),
                ("Value", "value", "value"),
                ("z-score", "z_score", "value"),
                ("Weight", "weight", "value"),
                ("Definition", "definition", "text"),
            ],
            pack.peer_context,
        )


def _inequality_sheet(workbook, formats: _Formats, pack: IcbPack) -> None:
    sheet = workbook.add_worksheet("Inequality")
    row = _header_block(sheet, formats, pack, "Inequality by deprivation decile (SII: local deciles; table: national)")
    if pack.deprivation_deciles.empty:
        sheet.write_string(row, 0, "This release has no breakdowns by deprivation decile.")
        return
    if not pack.inequality_gaps.empty:
        sheet.write_string(
            row,
            0,
            "Slope index of inequality (PHE's phe_sii on deciles ranked within the ICB, with 95% limits): fitted"
            " value at the most deprived end minus the least deprived end; RII = most / least deprived fitted.",
            formats.subtitle,
        )
        row += 1
        row = _write_table(
            sheet,
            formats,
            row,
            [
                ("Measure", "measure_title", "text"),
                ("Period", "period", "text"),
                ("IMD edition", "imd_edition", "text"),
                ("ICB value", "overall_value", "value"),
                ("SII", "sii", "value"),
                ("SII lower 95%", "sii_lower_95", "value"),
                ("SII upper 95%", "sii_upper_95", "value"),
                ("RII", "rii", "value"),
                ("Most minus least deprived national decile", "gap_most_minus_least_deprived", "value"),
                ("National deciles present", "deciles_present", "integer"),
                ("Not computed because", "not_computed_reason", "text"),
            ],
            pack.inequality_gaps.sort_values(["measure_title", "imd_edition"]),
            widths={"Measure": 45},
        )
        row += 1
    deciles = pack.deprivation_deciles.sort_values(["measure_title", "imd_edition", "imd_decile"])
    header_row = row
    _write_table(
        sheet,
        formats,
        row,
        [
            ("Measure", "measure_title", "text"),
            ("Period", "period", "text"),
            ("IMD edition", "imd_edition", "text"),
            ("Decile (1 = most deprived)", "imd_decile", "integer"),
            ("Value", "value", "value"),
            ("Numerator", "numerator", "value"),
            ("Denominator", "denominator", "value"),
            ("Share of ICB population", "population_share", "share"),
            ("Status", "value_status", "text"),
            ("How made", "method", "text"),
        ],
        deciles,
        widths={"Measure": 45},
    )
    sheet.autofilter(header_row, 0, header_row + len(deciles), 9)


def _metadata_sheet(workbook, formats: _Formats, pack: IcbPack, indicators: pd.DataFrame) -> None:
    sheet = workbook.add_worksheet("Metadata")
    row = _header_block(sheet, formats, pack, "What each indicator is, and where it comes from")
    frame = indicators.rename(columns={"id": "indicator_id"}).sort_values(["domain", "title"])
    _write_table(
        sheet,
        formats,
        row,
        METADATA_COLUMNS,
        frame,
        widths={"Indicator": 45, "Definition": 70, "Caveats": 70, "Numerator": 35, "Denominator": 35},
    )
    sheet.freeze_panes(row + 1, 1)
    for col, (header, _, _) in enumerate(METADATA_COLUMNS):
        if header in {"Definition", "Caveats", "Numerator", "Denominator"}:
            sheet.set_column(col, col, 70 if header in {"Definition", "Caveats"} else 35, formats.wrap)


def _data_quality_sheet(workbook, formats: _Formats, pack: IcbPack) -> None:
    sheet = workbook.add_worksheet("Data quality")
    row = _header_block(sheet, formats, pack, "Data quality: coverage, suppression, apportioning, reconciliation")
    stale = [s for s in (pack.manifest or {}).get("sources", []) if s.get("stale")]
    if stale:
        sheet.write_string(row, 0, "Stale sources in this release", formats.bold)
        row += 1
        for source in stale:
            sheet.write_string(
                row,
                0,
                f"{source['source_id']}: the publisher was unavailable, so the artefact retrieved "
                f"{source.get('last_good_retrieved_at') or source.get('retrieved_at')} was used "
                f"({source.get('stale_reason') or 'no reason recorded'})",
            )
            row += 1
        row += 1
    series = pack.comparisons.assign(no_value=pack.comparisons["value"].isna())
    quality = (
        series.groupby(["indicator_id", "title"], as_index=False)
        .agg(periods=("period", "count"), suppressed_or_missing=("no_value", "sum"))
        .merge(
            pack.latest[["indicator_id", "period", "value_status", "coverage", "method"]],
            on="indicator_id",
            how="left",
        )
    )
    quality["note"] = quality.apply(_quality_note, axis=1)
    row = _write_table(
        sheet,
        formats,
        row,
        [
            ("Indicator", "title", "text"),
            ("Periods", "periods", "integer"),
            ("Periods with no value", "suppressed_or_missing", "integer"),
            ("Latest period", "period", "text"),
            ("Latest status", "value_status", "text"),
            ("Latest coverage", "coverage", "share"),
            ("How made", "method", "text"),
            ("Note", "note", "text"),
        ],
        quality.sort_values("title"),
        widths={"Indicator": 55, "Note": 70},
    )
    if not pack.reconciliations.empty:
        row += 1
        sheet.write_string(
            row, 0, "Published ICB values beside this baseline's own rebuild of the same figure", formats.bold
        )
        row += 1
        columns = [(column.replace("_", " ").capitalize(), column, "text") for column in pack.reconciliations.columns]
        row = _write_table(sheet, formats, row, columns, pack.reconciliations.astype(str))
    sources = [s for s in (pack.manifest or {}).get("sources", []) if s.get("data_freshness")]
    if sources:
        row += 1
        assessed = sources[0].get("assessed_on") or "the day of publication"
        sheet.write_string(
            row,
            0,
            f"How current each source's data is (judged on {assessed}): its latest data period, read from the "
            "figures, beside when the file was retrieved",
            formats.bold,
        )
        row += 1
        _write_table(
            sheet,
            formats,
            row,
            [
                ("Source", "source_id", "text"),
                ("Latest data period", "latest_period", "text"),
                ("Publisher released", "released_on", "text"),
                ("Retrieved", "retrieved_at", "text"),
                ("Data", "data_freshness", "text"),
                ("Why", "data_freshness_reason", "text"),
            ],
            pd.DataFrame(sources),
            widths={"Source": 45, "Why": 90},
        )


def _quality_note(record: pd.Series) -> str:
    method = record.get("method")
    notes = []
    if method in {"la_apportioned", "lsoa_apportioned", "catchment_apportioned", "catchment_and_organisation_hq"}:
        notes.append("apportioned by population share")
    if method == "la_population_weighted_mean":
        notes.append("population-weighted mean of local-authority values, not an ICB statistic")
    if method == "organisation_hq":
        notes.append("NHS organisations attributed to the ICB of their headquarters")
    if record.get("value_status") == "partial":
        coverage = record.get("coverage")
        share = f"{100 * coverage:.1f}%" if not _is_missing(coverage) else "part"
        notes.append(f"covers {share} of the population")
    if record.get("value_status") == "low_reliability":
        notes.append("publisher flags low reliability")
    if _is_missing(record.get("period")):
        notes.append("no value in any period")
    return "; ".join(notes)


def _about_sheet(workbook, formats: _Formats, pack: IcbPack) -> None:
    sheet = workbook.add_worksheet("About")
    row = _header_block(sheet, formats, pack, "About this pack")
    lines = [
        "Built by ICS Baseline from public data. Every figure is keyed by ICB code and boundary vintage: E54 codes "
        "persist across boundary changes, so never compare vintages on the code alone.",
        f"Release {pack.release_id}; code version {pack.manifest.get('code_version', {}).get('git_commit', 'n/a')}.",
        OGL_ATTRIBUTION,
        "IMD data: Ministry of Housing, Communities and Local Government. mySociety data under CC BY 4.0.",
    ]
    for line in lines:
        sheet.write_string(row, 0, line, formats.wrap)
        row += 1
    sheet.set_column(0, 0, 120)


def write_workbook(pack: IcbPack, indicators: pd.DataFrame, path: Path) -> Path:
    """Write the pack's workbook; `indicators` is the release's indicator registry (Metadata sheet)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = xlsxwriter.Workbook(str(path), {"nan_inf_to_errors": False, "in_memory": True})
    created = pack.manifest.get("created_at")
    workbook.set_properties(
        {
            # the release's time, not the clock's: the same release always gives byte-identical workbooks
            "created": datetime.fromisoformat(created) if created else datetime(2000, 1, 1, tzinfo=UTC),
            "title": f"ICS baseline: {pack.name} ({pack.vintage})",
            "subject": "Social and economic baseline of an integrated care system",
            "comments": OGL_ATTRIBUTION,
        }
    )
    formats = _Formats(workbook)
    _summary_sheet(workbook, formats, pack)
    for domain in DOMAINS:
        _domain_sheet(workbook, formats, pack, domain)
    _places_sheet(workbook, formats, pack, places_view(pack))
    _anchor_sheet(workbook, formats, pack, anchor_view(pack))
    _series_sheet(workbook, formats, pack)
    _peers_sheet(workbook, formats, pack)
    _inequality_sheet(workbook, formats, pack)
    _metadata_sheet(workbook, formats, pack, indicators)
    _data_quality_sheet(workbook, formats, pack)
    _about_sheet(workbook, formats, pack)
    workbook.close()
    return path

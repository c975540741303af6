"""One ICB's baseline as a single self-contained HTML page: tables, a spine chart, trends, a map and methods.

The page needs no JavaScript and fetches nothing: the three charts are inline SVG drawn at build time by
`pipelines.packs.svg_charts`, and every value they show is also in the page's tables as text.
"""

from __future__ import annotations

import functools
import math
import re
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd
from markupsafe import Markup

from pipelines.packs import svg_charts
from pipelines.packs.anchor import PARTNER_TYPES, anchor_view, method_words, period_text, share_text
from pipelines.packs.data import OGL_ATTRIBUTION, VINTAGE_LABELS, IcbPack
from pipelines.packs.places import places_view

_INDENTATION = re.compile(r"\n[ \t]+")

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"

# Trends are drawn for series with at least this many periods with a value (as Fingertips' recent trend).
TREND_MIN_PERIODS = 5

# Words, colours and marker shapes for significance against England: never colour alone. Better points right
# and worse left, matching the spine chart's orientation (better is always on the right).
SIGNIFICANCE = {
    "better": {"label": "Better", "colour": "#1a7f37", "shape": "triangle-right", "glyph": "\u25b6"},
    "similar": {"label": "Similar", "colour": "#d4a017", "shape": "circle", "glyph": "\u25cf"},
    "worse": {"label": "Worse", "colour": "#c0392b", "shape": "triangle-left", "glyph": "\u25c0"},
    "not_compared": {"label": "Not compared", "colour": "#8c8c8c", "shape": "square", "glyph": "\u25a0"},
}

TREND_WORDS = {
    "getting_better": "Getting better",
    "getting_worse": "Getting worse",
    "no_significant_change": "No significant change",
    "increasing": "Increasing",
    "decreasing": "Decreasing",
    "not_assessed_no_polarity": "Changing (no better/worse direction)",
    "insufficient_points": "Too few points to test",
    "not_tested": "Not tested",
    "no_value": "No value",
}

METHOD_DESCRIPTIONS = {
    "lsoa_exact": "summed from small areas (LSOAs) that nest exactly in the ICB",
    "lsoa_apportioned": "2011 small-area data shared across ICBs by population",
    "la_aggregated": "whole local authorities re-aggregated (numerators and denominators summed, then divided)",
    "la_apportioned": (
        "local authority figures where at least one authority is split across ICBs and shared by the "
        "population of its small areas in each ICB"
    ),
    "la_population_weighted_mean": (
        "a population-weighted mean of local authority values: an approximation, not an ICB statistic"
    ),
    "published_icb": "published by the source at ICB level",
    "sicbl_aggregated": "counts and denominators published for sub-ICB locations, summed over those in the ICB",
    "organisation_hq": "NHS organisations' figures attributed to the ICB where they are headquartered",
    "catchment_apportioned": "NHS trust figures shared among ICBs by the trusts' patient catchments",
    "catchment_and_organisation_hq": (
        "acute trusts' figures shared among ICBs by their patient catchments, other trusts' to their HQ's ICB"
    ),
    "not_aggregable": "no ICB value can be built honestly from the source",
}

CI_METHODS = {
    "publisher": (
        "the source's own 95% confidence intervals (for an ICB rebuilt from local authorities, their standard errors"
        " combined; 99.8% widened from them)"
    ),
    "wilson": (
        "Wilson score intervals from the real counts behind a proportion (Census, QOF registers, NHS trusts). On a"
        " complete count the interval describes the chance variation of the underlying rate, as Fingertips does, so"
        " large ICBs differ from England on small gaps"
    ),
    "byar": "Byar's method (exact Poisson below 10 events) on the real count of events behind a rate",
    "none": (
        "no interval can be stated honestly: the source publishes a rate without its counts or a modelled estimate"
        " without intervals. The figure is shown and ranked, never called better or worse"
    ),
}

# What "not compared" means, for each reason a figure is not set against England.
NOT_COMPARED_REASONS = {
    "no_value": "no figure for the ICB (suppressed, missing, or resting on less than half of the ICB)",
    "count_not_rate": "a count, whose size follows the ICB's population rather than its performance",
    "no_polarity": "neither higher nor lower is better",
    "mean_of_la_values_not_an_icb_statistic": (
        "a population-weighted mean of local authority values (life expectancy, standardised rates): not the ICB's"
        " own statistic, so neither ranked nor compared"
    ),
    "coverage_below_floor": "the source covers less than 90% of the ICB's population: shown, not ranked or compared",
    "no_england_value": "no England figure for the period",
    "no_confidence_interval_for_indicator": "no honest interval exists for the indicator (see above)",
    "no_real_counts_for_interval": "the counts behind the figure are estimates, so no counts-based interval",
    "no_confidence_interval_for_figure": "the source published no interval for some of the ICB's authorities",
}

TREND_METHODS = {
    "chi_squared_trend": "chi-squared test for trend (Cochran-Armitage), for proportions built from counts",
    "weighted_least_squares": "weighted least squares, points weighted by the precision of their 95% intervals",
    "ordinary_least_squares": "ordinary least squares with a t test, for series without sampling error",
}

PEER_COLUMN_ORDER = [
    "peer_rank",
    "rank",
    "peer_icb_code",
    "peer_icb_name",
    "peer_code",
    "peer_name",
    "distance",
    "similarity",
]


@functools.cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,  # one template per process run: no stat() per report
    )
    return env


# ---------------------------------------------------------------------------------------------------------------
# Formatting
# ---------------------------------------------------------------------------------------------------------------


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


def format_value(value: Any, unit: str | None) -> str:
    """A figure as a reader expects it in its unit; missing is an en dash, never 0."""
    if _is_missing(value):
        return "\u2013"
    value = float(value)
    unit = unit or ""
    if unit == "proportion":
        return f"{value * 100:.1f}%"
    if unit == "percent":
        return f"{value:.1f}%"
    if unit in ("gbp_per_hour",):
        return f"\u00a3{value:,.2f}"
    if unit.startswith("gbp"):
        return f"\u00a3{value:,.0f}"
    if unit in ("persons", "dwellings", "trusts", "trust_equivalents", "square_metres", "kwh"):
        return f"{value:,.0f}"
    if unit == "per_100000":
        return f"{value:,.1f}"
    if unit in ("years", "years_gap", "minutes"):
        return f"{value:.1f}"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


UNIT_LABELS = {
    "proportion": "%",
    "percent": "%",
    "per_100000": "per 100,000",
    "per_1000": "per 1,000",
    "fte": "FTE",
    "years": "years",
    "years_gap": "years",
    "score_0_10": "score 0-10",
    "gbp": "\u00a3",
    "gbp_per_head": "\u00a3 per head",
    "gbp_per_job": "\u00a3 per job",
    "gbp_per_hour": "\u00a3 per hour",
    "gbp_per_week": "\u00a3 per week",
    "tonnes_co2e_per_head": "tonnes CO2e per head",
    "square_metres": "m\u00b2",
}


def unit_label(unit: str | None) -> str:
    return UNIT_LABELS.get(unit or "", (unit or "").replace("_", " "))


def _text(value: Any) -> str:
    return "" if _is_missing(value) else str(value)


# ---------------------------------------------------------------------------------------------------------------
# Report data
# ---------------------------------------------------------------------------------------------------------------


def _records(frame: pd.DataFrame) -> list[dict]:
    """JSON-safe rows: NaN/NA become None, timestamps ISO dates."""
    out = []
    for row in frame.to_dict(orient="records"):
        clean = {}
        for key, value in row.items():
            if _is_missing(value):
                clean[key] = None
            elif isinstance(value, pd.Timestamp):
                clean[key] = value.date().isoformat()
            elif hasattr(value, "isoformat"):
                clean[key] = value.isoformat()
            elif hasattr(value, "item"):
                clean[key] = value.item()
            else:
                clean[key] = value
        out.append(clean)
    return out


def _domain_order(pack: IcbPack) -> dict[str, int]:
    domains = list(pack.domain_summary["domain"]) if not pack.domain_summary.empty else []
    for domain in pack.latest.get("domain", pd.Series(dtype=str)):
        if domain not in domains:
            domains.append(domain)
    return {domain: i for i, domain in enumerate(domains)}


def _latest_rows(pack: IcbPack) -> pd.DataFrame:
    latest = pack.latest.copy()
    if latest.empty:
        return latest
    order = _domain_order(pack)
    latest["domain_order"] = latest["domain"].map(order).fillna(len(order))
    return latest.sort_values(["domain_order", "title"]).reset_index(drop=True)


def _spine_rows(pack: IcbPack, latest: pd.DataFrame) -> list[dict]:
    """Fingertips-style spine: England at the centre, the ICB range scaled so its furthest end from England
    touches the edge, flipped for lower-is-better indicators so 'better' is always to the right."""
    if latest.empty or pack.ranges.empty:
        return []
    spine_columns = [
        "indicator_id",
        "period",
        "domain",
        "title",
        "unit",
        "polarity",
        "value",
        "england_value",
        "significance_95",
        "not_compared_reason",
    ]
    merged = latest[spine_columns].merge(
        pack.ranges[["indicator_id", "period", "icb_min", "icb_q1", "icb_q3", "icb_max", "icbs_with_value"]],
        on=["indicator_id", "period"],
        how="left",
    )
    rows = []
    for i, row in enumerate(merged.itertuples(index=False)):
        if row.not_compared_reason == "count_not_rate":
            continue
        if any(_is_missing(v) for v in (row.value, row.england_value, row.icb_min, row.icb_max)):
            continue
        england = float(row.england_value)
        values = [float(row.icb_min), float(row.icb_max), float(row.value)]
        half_width = max(abs(v - england) for v in values) or 1.0
        sign = -1.0 if row.polarity == "lower_is_better" else 1.0

        def position(v: float, england=england, half_width=half_width, sign=sign) -> float:
            return 0.5 + sign * (v - england) / (2 * half_width)

        lo, hi = sorted((position(float(row.icb_min)), position(float(row.icb_max))))
        q_lo, q_hi = sorted((position(float(row.icb_q1)), position(float(row.icb_q3))))
        significance = SIGNIFICANCE.get(row.significance_95, SIGNIFICANCE["not_compared"])
        polarity_text = {
            "higher_is_better": "Higher is better",
            "lower_is_better": "Lower is better (axis flipped)",
        }.get(row.polarity, "No better/worse direction: higher to the right")
        rows.append(
            {
                "order": i,
                "domain": row.domain,
                "title": row.title,
                "period": row.period,
                "value_text": format_value(row.value, row.unit),
                "england_text": format_value(row.england_value, row.unit),
                "range_text": (
                    f"{format_value(row.icb_min, row.unit)} to {format_value(row.icb_max, row.unit)} "
                    f"({int(row.icbs_with_value)} ICBs)"
                ),
                "significance_label": significance["label"],
                "polarity_text": polarity_text,
                "x_min": round(lo, 4),
                "x_max": round(hi, 4),
                "x_q1": round(q_lo, 4),
                "x_q3": round(q_hi, 4),
                "x_value": round(position(float(row.value)), 4),
            }
        )
    return rows


def _wrap(text: str, width: int = 34, lines: int = 3) -> list[str]:
    words, out, current = text.split(), [], ""
    for word in words:
        if current and len(current) + 1 + len(word) > width:
            out.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    if current:
        out.append(current)
    if len(out) > lines:
        out = [*out[: lines - 1], out[lines - 1][: width - 1] + "\u2026"]
    return out


def _trend_rows(pack: IcbPack, latest: pd.DataFrame) -> tuple[list[dict], list[str]]:
    comparisons = pack.comparisons
    if comparisons.empty or latest.empty:
        return [], []
    columns = ["indicator_id", "unit", "period", "period_start", "value", "england_value"]
    with_value = comparisons.loc[comparisons["value"].notna() & comparisons["period_start"].notna(), columns]
    periods = with_value.groupby("indicator_id")["period"].nunique()
    heads = latest.loc[
        latest["indicator_id"].map(periods).fillna(0) >= TREND_MIN_PERIODS,
        ["indicator_id", "title", "unit", "trend_assessment"],
    ]
    labels: dict[str, tuple[int, str, str]] = {}
    for order, head in enumerate(heads.itertuples(index=False)):
        assessment = TREND_WORDS.get(head.trend_assessment, _text(head.trend_assessment).replace("_", " "))
        unit = unit_label(head.unit)
        last_line = f"({unit}) trend: {assessment}" if unit else f"trend: {assessment}"
        labels[head.indicator_id] = (order, head.title, "|".join([*_wrap(head.title), last_line]))
    series = with_value[with_value["indicator_id"].isin(labels)].sort_values(["indicator_id", "period_start"])
    rows: list[dict] = []
    for point in series.itertuples(index=False):
        order, title, label = labels[point.indicator_id]
        start = pd.Timestamp(point.period_start).date()
        scale = 100.0 if point.unit == "proportion" else 1.0
        for name, value in (("This ICB", point.value), ("England", point.england_value)):
            if _is_missing(value):
                continue
            rows.append(
                {
                    "order": order,
                    "label": label,
                    "title": title,
                    "series": name,
                    "period": point.period,
                    "period_start": start,
                    "value": round(float(value) * scale, 6),
                    "value_text": format_value(value, point.unit),
                }
            )
    return rows, [title for _, title, _ in labels.values()]


def _trend_panels(rows: list[dict]) -> list[dict]:
    """The trend rows as one panel per indicator: header lines and each series' (date, value, period, value text)."""
    panels: dict[int, dict] = {}
    for row in rows:
        panel = panels.setdefault(
            row["order"], {"lines": row["label"].split("|"), "series": {"This ICB": [], "England": []}}
        )
        point = (row["period_start"], row["value"], row["period"], row["value_text"])
        panel["series"][row["series"]].append(point)
    return [panels[order] for order in sorted(panels)]


def _band(value: float | None, breaks: list[float]) -> int | None:
    """England band (1 = lowest) of a value, from the breaks between bands (a break belongs to the lower band):
    the quintile, where no two quintile breaks tie."""
    if value is None:
        return None
    return 1 + sum(1 for b in breaks if value > b)


def _band_shades(bands: int) -> list[str]:
    """Shades for `bands` bands (at most 5), spread over the five so the darkest is always the highest band."""
    shades = svg_charts.QUINTILE_SHADES
    if bands <= 1:
        return [shades[-1]]
    return [shades[round(i * (len(shades) - 1) / (bands - 1))] for i in range(bands)]


def _map_data(pack: IcbPack) -> dict | None:
    """The neighbourhood map's layers: the ICB's MSOAs shaded by England quintile of the deprivation measure, its
    places (districts) outlined, and the ICB's own outline."""
    boundaries = pack.boundaries
    neighbourhoods = pack.neighbourhoods
    if boundaries.empty or "geometry_geojson" not in boundaries.columns or neighbourhoods.empty:
        return None
    this_icb = boundaries[(boundaries["area_type"] == "icb") & (boundaries["area_code"] == pack.code)]
    drawn = neighbourhoods[neighbourhoods["geometry_geojson"].notna()]
    if this_icb.empty or drawn.empty:
        return None
    measure = pack.neighbourhood_measure
    breaks = measure.get("quintile_breaks", [])
    unit = measure.get("unit")
    msoas, msoa_table = [], []
    for row in drawn.sort_values("area_name").itertuples(index=False):
        value = None if _is_missing(row.value) else float(row.value)
        quintile = _band(value, breaks) if breaks else None
        value_text = format_value(value, unit)
        msoas.append(
            {
                "code": row.area_code,
                "name": row.area_name,
                "geometry": row.geometry_geojson,
                "quintile": quintile,
                "hover": f"{row.area_name}: {value_text}",
            }
        )
        split = "" if _is_missing(row.share_of_area_residents_in_icb) else float(row.share_of_area_residents_in_icb)
        msoa_table.append(
            {
                "name": row.area_name,
                "code": row.area_code,
                "value": value_text,
                "quintile": "" if quintile is None else quintile,
                "partly": split != "" and split < 1,
            }
        )
    place_codes = (
        set(pack.places.loc[pack.places["area_type"] == "lad", "area_code"]) if not pack.places.empty else set()
    )
    place_rows = boundaries[(boundaries["area_type"] == "lad") & boundaries["area_code"].isin(place_codes)]
    places = [
        {"code": row.area_code, "name": row.area_name, "geometry": row.geometry_geojson, "hover": row.area_name}
        for row in place_rows.sort_values("area_name").itertuples(index=False)
    ]
    icb = [
        {"code": pack.code, "name": pack.name, "geometry": row.geometry_geojson, "hover": f"This ICB: {pack.name}"}
        for row in this_icb.itertuples(index=False)
    ]
    legend = []
    shades = _band_shades(len(breaks) + 1)
    for m in msoas:
        m["shade"] = svg_charts.NO_DATA_FILL if m["quintile"] is None else shades[m["quintile"] - 1]
    if breaks:
        edges = [measure["england_min"], *breaks, measure["england_max"]]
        for band, shade in enumerate(shades):
            low, high = format_value(edges[band], unit), format_value(edges[band + 1], unit)
            legend.append((shade, low if low == high else f"{low} to {high}"))
    if any(m["quintile"] is None for m in msoas):
        legend.append((svg_charts.NO_DATA_FILL, "No figure"))
    return {
        "layers": {"neighbourhoods": msoas, "places": places, "this_icb": icb},
        "areas": len(msoas) + len(places) + len(icb),
        "legend": legend,
        "bands": len(breaks) + 1,
        "measure": measure,
        "neighbourhoods": msoa_table,
        "partly_in_icb": sum(1 for m in msoa_table if m["partly"]),
        "boundary_vintages": sorted(set(this_icb["boundary_vintage"])),
    }


def _places_section(pack: IcbPack) -> dict:
    """The places table: one row per indicator, grouped by domain, a cell per place (value and verdict)."""
    view = places_view(pack)
    if not view:
        return {"present": False}
    groups: list[dict] = []
    for row in view.rows:
        if not groups or groups[-1]["domain"] != row.domain:
            groups.append({"domain": row.domain, "rows": []})
        cells = []
        for place in view.places:
            cell = row.cells.get(place.code)
            if cell is None or cell.value is None:
                cells.append(("", "\u2013"))
            else:
                key = PLACE_VERDICT_CLASSES.get(cell.significance, "") if view.has_verdicts else ""
                cells.append((key, format_value(cell.value, row.unit)))
        groups[-1]["rows"].append(
            {
                "title": row.title,
                "period": row.period,
                "unit": unit_label(row.unit),
                "england": format_value(row.england_value, row.unit),
                "icb": format_value(row.icb_value, row.unit),
                "cells": cells,
                "reasons": row.reasons,
            }
        )
    places = [
        {
            "name": p.name,
            "code": p.code,
            "county": p.is_county,
            "residents": "" if p.residents is None else f"{p.residents:,.0f}",
            "share_of_icb": "" if p.share_of_icb_residents is None else f"{p.share_of_icb_residents:.1%}",
            "share_in_icb": "" if p.share_in_icb is None else f"{p.share_in_icb:.1%}",
            "split": p.split,
        }
        for p in view.places
    ]
    return {
        "present": True,
        "places": places,
        "groups": groups,
        "has_verdicts": view.has_verdicts,
        "without_place_figures": view.without_place_figures,
    }


def _anchor_section(pack: IcbPack) -> dict:
    """The NHS as anchor: its figures by part with their periods, the gaps with reasons, and the civic map."""
    view = anchor_view(pack)
    parts: list[dict] = []
    for figure in view.figures:
        if not parts or parts[-1]["part"] != figure.part:
            parts.append({"part": figure.part, "rows": []})
        by_group = ", ".join(f"{group}: {format_value(value, figure.unit)}" for group, value in figure.by_group)
        parts[-1]["rows"].append(
            {
                "title": figure.title,
                "period": period_text(figure),
                "old": figure.is_old,
                "value": format_value(figure.value, figure.unit),
                "unit": unit_label(figure.unit),
                "method": method_words(figure.method),
                "note": "; ".join(text for text in (figure.note, by_group) if text),
            }
        )
    partner_groups = []
    for partner_type, heading in PARTNER_TYPES.items():
        partners = view.partners_of(partner_type)
        partner_groups.append(
            {
                "type": partner_type,
                "heading": heading,
                "is_trust": partner_type == "NHS trust",
                "rows": [
                    {
                        "name": p.name,
                        "code": p.code,
                        "kind": p.kind,
                        "relationship": p.relationship,
                        "share_in": share_text(p.share_of_partner_in_icb),
                        "share_of": share_text(p.share_of_icb_in_partner),
                        "coterminous": p.coterminous,
                        "mayor": p.elected_mayor,
                    }
                    for p in partners
                ],
                "as_at": partners[0].as_at if partners else "",
            }
        )
    return {
        "present": bool(view),
        "parts": parts,
        # the live source of each gap is in the workbook's NHS as anchor and Metadata sheets
        "gaps": [{"title": g.title, "reason": g.reason} for g in view.gaps],
        "has_partner_table": view.has_partner_table,
        "partner_groups": partner_groups,
    }


def _indicator_table(latest: pd.DataFrame, has_peers: bool) -> list[dict]:
    groups: list[dict] = []
    columns = [
        "domain",
        "title",
        "period",
        "unit",
        "value",
        "england_value",
        "region_value",
        "peer_group_value",
        "rank",
        "rank_of",
        "significance_95",
        "not_compared_reason",
        "trend_assessment",
        "method",
    ]
    for domain, rows in latest[columns].groupby("domain", sort=False):
        items = []
        for row in rows.itertuples(index=False):
            significance = SIGNIFICANCE.get(row.significance_95, SIGNIFICANCE["not_compared"])
            rank = "" if _is_missing(row.rank) else f"{int(row.rank)} of {int(row.rank_of)}"
            items.append(
                {
                    "title": row.title,
                    "period": row.period,
                    "unit": unit_label(row.unit),
                    "value": format_value(row.value, row.unit),
                    "england": format_value(row.england_value, row.unit),
                    "region": format_value(row.region_value, row.unit),
                    "peer": format_value(row.peer_group_value, row.unit) if has_peers else "",
                    "rank": rank,
                    "significance_key": row.significance_95 if row.significance_95 in SIGNIFICANCE else "not_compared",
                    "significance": significance["label"],
                    "glyph": significance["glyph"],
                    "not_compared_reason": _text(row.not_compared_reason).replace("_", " "),
                    "trend": TREND_WORDS.get(row.trend_assessment, _text(row.trend_assessment).replace("_", " ")),
                    "method": _text(row.method).replace("_", " "),
                }
            )
        groups.append({"domain": domain, "rows": items})
    return groups


def _domain_summary(pack: IcbPack) -> list[dict]:
    if pack.domain_summary.empty:
        return []
    columns = [
        "indicators_registered",
        "indicators_with_figures",
        "significantly_better",
        "not_significantly_different",
        "significantly_worse",
        "not_compared",
        "getting_better",
        "getting_worse",
    ]
    out = []
    for row in _records(pack.domain_summary):
        out.append({"domain": row["domain"], **{c: "" if row.get(c) is None else row[c] for c in columns}})
    return out


def _peer_section(pack: IcbPack) -> dict:
    peers = pack.peers
    if peers.empty:
        return {"present": False}
    hidden = {"icb_code", "icb_vintage", "icb_name"}
    ordered = [c for c in PEER_COLUMN_ORDER if c in peers.columns]
    columns = ordered + [c for c in peers.columns if c not in hidden and c not in ordered]
    rows = []
    for record in _records(peers[columns]):
        rows.append(
            [
                f"{value:.3f}" if isinstance(value, float) else ("\u2013" if value is None else str(value))
                for value in record.values()
            ]
        )
    return {
        "present": True,
        "headers": [c.replace("_", " ").capitalize() for c in columns],
        "rows": rows,
    }


def _methods(latest: pd.DataFrame) -> dict:
    if latest.empty:
        return {"methods": [], "ci_methods": [], "trend_methods": [], "not_compared": []}

    def counted(column: str, descriptions: dict[str, str]) -> list[dict]:
        counts = latest[column].dropna().value_counts()
        return [
            {"name": key.replace("_", " "), "description": descriptions.get(key, ""), "indicators": int(n)}
            for key, n in counts.items()
        ]

    return {
        "methods": counted("method", METHOD_DESCRIPTIONS),
        "ci_methods": counted("ci_method", CI_METHODS) if "ci_method" in latest.columns else [],
        "trend_methods": counted("trend_method", TREND_METHODS),
        "not_compared": (
            counted("not_compared_reason", NOT_COMPARED_REASONS) if "not_compared_reason" in latest.columns else []
        ),
    }


def _caveats(latest: pd.DataFrame) -> dict:
    """Each indicator's definition and caveat, with its source as a number in a list of the distinct sources (a
    publisher, licence and landing page are shared by many indicators: each is written once)."""
    sources: dict[tuple[str, str, str], int] = {}
    indicators = []
    columns = ["title", "definition", "caveats", "publisher", "licence", "source_landing_page", "aggregation"]
    for row in latest[columns].itertuples(index=False):
        key = (_text(row.publisher), _text(row.licence), _text(row.source_landing_page))
        number = sources.setdefault(key, len(sources) + 1)
        indicators.append(
            {
                "title": row.title,
                "definition": _text(row.definition),
                "caveats": _text(row.caveats),
                "source": number,
                "aggregation": _text(row.aggregation).replace("_", " "),
            }
        )
    return {
        "indicators": indicators,
        "sources": [
            {"number": n, "publisher": publisher, "licence": licence, "landing_page": page}
            for (publisher, licence, page), n in sources.items()
        ],
    }


# A place's verdict as the one-letter class of its table cell (the page's CSS draws the mark and names it).
PLACE_VERDICT_CLASSES = {"better": "b", "similar": "s", "worse": "w"}


def _charts(pack: IcbPack, spine: list[dict], trend_rows: list[dict], map_data: dict | None) -> dict[str, Markup]:
    """Each chart's inline SVG, keyed by the id of the figure that holds it (absent when there is nothing to draw)."""
    name = pack.name
    charts: dict[str, Markup] = {}
    if spine:
        charts["spine-chart"] = Markup(
            svg_charts.spine_svg(
                spine,
                SIGNIFICANCE,
                title=f"Spine chart: {len(spine)} indicators for {name} compared with England",
                desc=(
                    "One row per indicator, grouped by domain. England is the line in the middle; the light bar spans"
                    " every ICB, the dark bar the middle half; the marker is this ICB, its colour and shape giving"
                    " better, similar, worse or not compared. Better is to the right. The same figures are in the"
                    " table of all indicators."
                ),
            )
        )
    if trend_rows:
        panels = _trend_panels(trend_rows)
        charts["trend-chart"] = Markup(
            svg_charts.trend_svg(
                panels,
                title=f"Trends: {len(panels)} indicators over time, {name} against England",
                desc=(
                    "One small line chart per indicator: this ICB as a solid blue line, England as a dashed black"
                    " line, a point per period. Each chart has its own vertical scale, which does not start at zero."
                ),
            )
        )
    if map_data:
        measure = map_data["measure"]
        legend_title = [*_wrap(measure.get("title", ""), 27, 3), f"England quintiles ({measure.get('period', '')})"]
        charts["map-chart"] = Markup(
            svg_charts.neighbourhood_map_svg(
                map_data["layers"]["neighbourhoods"],
                map_data["layers"]["places"],
                map_data["layers"]["this_icb"],
                map_data["legend"],
                legend_title,
                title=f"Neighbourhoods of {name} by deprivation",
                desc=(
                    f"The {len(map_data['neighbourhoods'])} neighbourhoods (MSOAs) of {name}, shaded from light to"
                    f" dark by England quintile of {measure.get('title', 'deprivation')}: darker is more deprived."
                    " Local authorities (places) have black outlines and the ICB a thick orange one. Each"
                    " neighbourhood's figure is in the table below the map."
                ),
            )
        )
    return charts


def report_context(pack: IcbPack) -> dict:
    """Everything the template shows, as plain values (exposed for tests and other renderers).

    `chart_counts` is the number of marks each chart must draw, from the data rows (one spine marker per spine
    row, one trend point per value of either series, one map area per feature).
    """
    latest = _latest_rows(pack)
    has_peers = not latest.empty and latest["peer_group_value"].notna().any()
    spine = _spine_rows(pack, latest)
    trend_rows, trend_titles = _trend_rows(pack, latest)
    map_data = _map_data(pack)
    spine_titles = {row["title"] for row in spine}
    indicator_groups = _indicator_table(latest, has_peers)
    not_on_spine = [row for group in indicator_groups for row in group["rows"]]
    not_on_spine = [row for row in not_on_spine if row["title"] not in spine_titles]
    charts = _charts(pack, spine, trend_rows, map_data)
    return {
        "icb": {
            "name": pack.name,
            "code": pack.code,
            "ods_code": _text(pack.icb.get("icb_ods_code")),
            "vintage": pack.vintage,
            "vintage_label": VINTAGE_LABELS.get(pack.vintage, pack.vintage),
            "region_name": _text(pack.icb.get("nhs_region_name")),
            "region_code": _text(pack.icb.get("nhs_region_code")),
            "residents": _text(pack.icb.get("usual_residents_2021")),
        },
        "release_id": pack.release_id,
        "created_at": _text(pack.manifest.get("created_at")),
        "attribution": OGL_ATTRIBUTION,
        "significance": SIGNIFICANCE,
        "domain_summary": _domain_summary(pack),
        "indicator_groups": indicator_groups,
        "has_peers": has_peers,
        "spine_count": len(spine),
        "not_on_spine": not_on_spine,
        "trend_count": len(trend_titles),
        "trend_min_periods": TREND_MIN_PERIODS,
        "map": map_data,
        "places": _places_section(pack),
        "anchor": _anchor_section(pack),
        "peers": _peer_section(pack),
        "methods": _methods(latest),
        "caveats": _caveats(latest),
        "charts": charts,
        "chart_data": {"spine": spine, "trends": trend_rows, "map": map_data["layers"] if map_data else {}},
        "chart_counts": {
            "spine-chart": {"markers": len(spine)},
            "trend-chart": {"points": len(trend_rows)},
            "map-chart": {"areas": map_data["areas"] if map_data else 0},
        },
    }


def render_icb_report(pack: IcbPack, path: Path) -> Path:
    """Write the pack's report as one self-contained HTML file and return its path.

    `path` is the file to write, or a directory to write `<file_stem>.html` into.
    """
    path = Path(path)
    if path.is_dir():
        path = path / f"{pack.file_stem}.html"
    html = _environment().get_template("icb_report.html.j2").render(**report_context(pack))
    # the template's indentation is for its readers, not the page's: drop it (no <pre> or <textarea> here)
    html = _INDENTATION.sub("\n", html)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html, encoding="utf-8")
    return path

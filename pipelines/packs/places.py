"""The ICB's places side by side: what the workbook's Places sheet and the report's Places section show.

Places are the local authority districts and unitaries (LAD24) overlapping the ICB in its vintage, from the
release's `areas` table. Upper-tier councils (UTLA23) are shown as well where they add something: a county
council (an upper-tier council that is not itself one of the ICB's districts) gets a column for the figures
its publisher gives for councils only, that is for the indicators where none of the ICB's lower-tier districts
has a figure. Everywhere else its districts speak for it, and the county's own summed figure would repeat them.

For each indicator the row takes one period, the latest with a figure for any of the places, so the places are
compared on the same period; England and the ICB are given for that period too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from pipelines.packs.data import IcbPack

# What "not compared" means for a place, in the few words a table cell or a list of reasons can hold.
NOT_COMPARED_WORDS = {
    "no_value": "no figure",
    "count_not_rate": "a count",
    "no_polarity": "no better/worse direction",
    "mean_of_la_values_not_an_icb_statistic": "a mean of local authority values",
    "coverage_below_floor": "covers under 90% of the area",
    "no_england_value": "no England figure",
    "no_confidence_interval_for_indicator": "no honest interval for this indicator",
    "no_real_counts_for_interval": "estimated counts, no interval",
    "no_confidence_interval_for_figure": "no interval published",
}


@dataclass(frozen=True)
class Place:
    area_type: str
    code: str
    name: str
    residents: float | None  # Census 2021 usual residents of the whole place
    share_of_icb_residents: float | None  # the place's residents in the ICB / the ICB's residents
    share_in_icb: float | None  # the place's residents in the ICB / the place's residents
    split: bool  # the place's residents are in more than one ICB of the vintage

    @property
    def is_county(self) -> bool:
        return self.area_type == "utla"

    @property
    def split_text(self) -> str:
        if not self.split:
            return ""
        share = "" if self.share_in_icb is None else f" ({self.share_in_icb:.1%} of its residents in this ICB)"
        return f"Split across ICBs{share}"


@dataclass(frozen=True)
class Cell:
    value: float | None
    significance: str  # better, similar, worse, not_compared
    reason: str | None  # not_compared_reason, when not compared


@dataclass(frozen=True)
class PlaceRow:
    indicator_id: str
    title: str
    domain: str
    period: str
    unit: str | None
    england_value: float | None
    icb_value: float | None
    cells: dict[str, Cell]  # by place code; a place with no figure for the period has no cell
    reasons: str  # why places are not compared, in words ("" when every place is compared)


@dataclass(frozen=True)
class PlacesView:
    places: list[Place] = field(default_factory=list)
    rows: list[PlaceRow] = field(default_factory=list)
    has_verdicts: bool = True
    # the ICB's indicators no place has a figure for (NHS organisations' and ICB-level sources), by title
    without_place_figures: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.places)


def _number(value: Any) -> float | None:
    if value is None or value is pd.NA:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def _reasons(cells: dict[str, Cell], names: dict[str, str]) -> str:
    """The reasons places are not compared: one reason for all, or each reason with the places it applies to."""
    by_reason: dict[str, list[str]] = {}
    for code, cell in cells.items():
        if cell.significance == "not_compared" and cell.value is not None:
            reason = cell.reason or "not given"
            by_reason.setdefault(NOT_COMPARED_WORDS.get(reason, reason.replace("_", " ")), []).append(names[code])
    compared = sum(1 for cell in cells.values() if cell.value is not None)
    if len(by_reason) == 1 and sum(len(p) for p in by_reason.values()) == compared:
        return next(iter(by_reason))
    return "; ".join(f"{reason} ({', '.join(places)})" for reason, places in by_reason.items())


# The last pack's view, held with the pack itself: its workbook and report ask for the same view in turn.
_LAST_VIEW: list[tuple[IcbPack, PlacesView]] = []


def places_view(pack: IcbPack) -> PlacesView:
    """The pack's places and one row per indicator with a figure for any of them (domain, then title order)."""
    if _LAST_VIEW and _LAST_VIEW[0][0] is pack:
        return _LAST_VIEW[0][1]
    view = _places_view(pack)
    _LAST_VIEW[:] = [(pack, view)]
    return view


def _places_view(pack: IcbPack) -> PlacesView:
    if pack.places.empty:
        return PlacesView()
    areas = pack.places.sort_values("area_name")
    lads = areas[areas.area_type == "lad"]
    lad_codes = set(lads.area_code)
    counties = areas[(areas.area_type == "utla") & ~areas.area_code.isin(lad_codes)]
    figures = pack.place_figures
    if figures.empty:
        figures = pd.DataFrame(columns=["area_type", "area_code", "indicator_id", "period", "period_start", "value"])
    figures = figures[figures["value"].notna()]
    # lower-tier districts: the ICB's districts that are not upper-tier councils themselves (unitaries are both)
    all_utla_codes = set(pack.places.loc[pack.places.area_type == "utla", "area_code"])
    lower_tier = lad_codes - all_utla_codes
    of_districts = (figures.area_type == "lad") & figures.area_code.isin(lad_codes)
    lower_tier_indicators = set(figures.loc[of_districts & figures.area_code.isin(lower_tier), "indicator_id"])
    of_counties = (
        (figures.area_type == "utla")
        & figures.area_code.isin(set(counties.area_code))
        & ~figures.indicator_id.isin(lower_tier_indicators)
    )
    counties = counties[counties.area_code.isin(set(figures.loc[of_counties, "area_code"]))]
    shown = figures[of_districts | of_counties]

    def place(row) -> Place:
        return Place(
            area_type=row.area_type,
            code=row.area_code,
            name=row.area_name,
            residents=_number(row.usual_residents_2021),
            share_of_icb_residents=_number(row.share_of_icb_residents_in_area),
            share_in_icb=_number(row.share_of_area_residents_in_icb),
            split=bool(row.is_split_across_icbs),
        )

    places = [place(row) for row in lads.itertuples(index=False)]
    places += [place(row) for row in counties.itertuples(index=False)]
    names = {p.code: p.name for p in places}
    has_verdicts = "significance_95" in shown.columns and shown["significance_95"].notna().any()
    icb_values = {}
    if not pack.comparisons.empty:
        comparisons = pack.comparisons
        keys = zip(comparisons["indicator_id"].tolist(), comparisons["period"].tolist(), strict=True)
        icb_values = dict(zip(keys, map(_number, comparisons["value"].tolist()), strict=True))
    rows: list[PlaceRow] = []
    # plain records, one pass: per-group pandas calls cost more than the rest of a pack
    columns = ["indicator_id", "area_code", "period", "period_start", "value", "title", "domain", "unit"]
    columns += ["england_value", "significance_95", "not_compared_reason"]
    latest = shown.sort_values(["period_start", "period"]).drop_duplicates("indicator_id", keep="last")
    shown = shown.merge(latest[["indicator_id", "period"]], on=["indicator_id", "period"])
    values = [shown[column].tolist() for column in columns]
    of_period: dict[str, list[dict]] = {}
    for record in (dict(zip(columns, row, strict=True)) for row in zip(*values, strict=True)):
        of_period.setdefault(record["indicator_id"], []).append(record)
    for indicator_id, group in of_period.items():
        head = group[0]
        cells = {
            r["area_code"]: Cell(
                value=_number(r["value"]),
                significance=r["significance_95"] if isinstance(r["significance_95"], str) else "not_compared",
                reason=r["not_compared_reason"] if isinstance(r["not_compared_reason"], str) else None,
            )
            for r in group
        }
        england = next((_number(r["england_value"]) for r in group if _number(r["england_value"]) is not None), None)
        rows.append(
            PlaceRow(
                indicator_id=indicator_id,
                title=head["title"],
                domain=head["domain"],
                period=head["period"],
                unit=head["unit"] if isinstance(head["unit"], str) else None,
                england_value=england,
                icb_value=icb_values.get((indicator_id, head["period"])),
                cells=cells,
                reasons=_reasons(cells, names) if has_verdicts else "",
            )
        )
    # the pack's own order of domains (its summary's), then any other alphabetically
    domains = [*pack.domain_summary.get("domain", []), *sorted(set(pack.latest.get("domain", [])))]
    domain_order = {domain: i for i, domain in enumerate(dict.fromkeys(domains))}
    rows.sort(key=lambda r: (domain_order.get(r.domain, len(domain_order)), r.domain, r.title))
    shown_ids = {row.indicator_id for row in rows}
    icb_only = sorted(set(pack.latest.loc[~pack.latest["indicator_id"].isin(shown_ids), "title"]))
    return PlacesView(places=places, rows=rows, has_verdicts=has_verdicts, without_place_figures=icb_only)

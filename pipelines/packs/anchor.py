"""The NHS as anchor institution: what the workbook's "NHS as anchor" sheet and the report's section show.

The section brings together the ICB's figures on the NHS as employer, its estate, energy and carbon, primary care,
and civic leadership, each with its period shown beside it (several are years old), then the registry's honest gaps
(research, procurement) with the reason nothing is shown, then the civic map ("Who the system works with") from the
release's `icb_partners` table.

Indicators are chosen from the registry, never listed here: every indicator whose theme is one of ANCHOR_THEMES, and
every gap (aggregation `gap`) in the research and procurement domains. A new NHS indicator registered with one of
those themes appears in the section without a code change.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import pandas as pd

from pipelines.packs.data import IcbPack

ANCHOR_THEMES = ("anchor institutions", "primary care workforce", "primary care funding")
GAP_DOMAINS = ("research and development", "procurement")

# The parts of the section, in order, and which registry rows fall in each (first match wins).
PARTS = [
    ("The NHS as employer", lambda theme, domain: domain == "employment and skills" and theme == ANCHOR_THEMES[0]),
    ("Primary care", lambda theme, domain: theme in ANCHOR_THEMES[1:]),
    ("Estate", lambda theme, domain: domain == "estates"),
    ("Energy and carbon", lambda theme, domain: domain == "net zero"),
    ("Procurement", lambda theme, domain: domain == "procurement"),
    ("Research", lambda theme, domain: domain == "research and development"),
    ("Civic leadership", lambda theme, domain: domain == "civic leadership"),
]
OTHER_PART = "Other NHS figures"

# Partner types of icb_partners, in the order the civic map lists them, with the heading of each.
PARTNER_TYPES = {
    "upper-tier council": "Upper-tier councils (county, unitary, metropolitan and London borough councils)",
    "lower-tier council": "District councils (lower tier, in two-tier counties)",
    "combined authority": "Combined authorities and the Greater London Authority",
    "NHS trust": "NHS trusts",
}

# How each figure was made, in the few words a table cell holds (the workbook and Metadata sheet say more).
METHOD_WORDS = {
    "organisation_hq": "trusts by headquarters",
    "catchment_apportioned": "acute trusts by catchment",
    "lsoa_exact": "exact, from LSOA 2021s",
    "lsoa_apportioned": "from LSOAs, some shared",
    "published_icb": "published for the ICB",
    "la_apportioned": "councils' figures, split ones shared",
    "la_aggregated": "summed from councils",
}


def method_words(method: str) -> str:
    return METHOD_WORDS.get(method, method.replace("_", " "))


# A figure whose period began this many years or more before the release is marked as old.
OLD_AFTER_YEARS = 3


@dataclass(frozen=True)
class AnchorFigure:
    part: str
    indicator_id: str
    title: str
    period: str  # the latest period with a figure ("" when there is none)
    years_old: int | None  # whole years between the period's start and the release
    value: float | None
    unit: str | None
    method: str
    source_id: str
    note: str  # why there is no single figure, or the figure's value status
    # for an indicator published only broken down (no single ICB figure): each group's value in the period
    by_group: list[tuple[str, float | None]] = field(default_factory=list)

    @property
    def is_old(self) -> bool:
        return self.years_old is not None and self.years_old >= OLD_AFTER_YEARS


@dataclass(frozen=True)
class AnchorGap:
    part: str
    indicator_id: str
    title: str
    reason: str  # what the figure would be and why nothing is shown (the registry's definition)
    live_source: str  # the registry's caveats: the live source and how it would be read


@dataclass(frozen=True)
class Partner:
    partner_type: str
    code: str
    name: str
    kind: str
    relationship: str
    share_of_partner_in_icb: float | None
    share_of_icb_in_partner: float | None
    coterminous: bool | None
    elected_mayor: bool | None
    note: str
    as_at: str


@dataclass(frozen=True)
class AnchorView:
    figures: list[AnchorFigure] = field(default_factory=list)
    gaps: list[AnchorGap] = field(default_factory=list)
    partners: list[Partner] = field(default_factory=list)
    has_partner_table: bool = False  # the release has icb_partners (older releases do not)

    def partners_of(self, partner_type: str) -> list[Partner]:
        return [p for p in self.partners if p.partner_type == partner_type]

    def __bool__(self) -> bool:
        return bool(self.figures or self.gaps or self.partners)


def _number(value: Any) -> float | None:
    if value is None or value is pd.NA:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def _flag(value: Any) -> bool | None:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    return bool(value)


def _text(value: Any) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


def _part(theme: str, domain: str) -> str:
    return next((name for name, matches in PARTS if matches(theme, domain)), OTHER_PART)


def _release_date(pack: IcbPack) -> date | None:
    created = (pack.manifest or {}).get("created_at")
    if not created:
        return None
    try:
        return datetime.fromisoformat(str(created)).date()
    except ValueError:
        return None


def _years_old(released: date | None, start: Any, period: str) -> int | None:
    """Whole years between the period's start (or the first year its label names) and the release."""
    if released is None:
        return None
    if start is not None and not pd.isna(start):
        return max(0, released.year - pd.Timestamp(start).year)
    year = re.search(r"(19|20)\d{2}", period or "")
    return max(0, released.year - int(year.group(0))) if year else None


def _registry(pack: IcbPack) -> pd.DataFrame:
    registry = pack.registry if not pack.registry.empty else getattr(pack, "indicators", pd.DataFrame())
    if registry.empty:
        return registry
    return registry.rename(columns={"indicator_id": "id"}) if "id" not in registry.columns else registry


def anchor_indicators(registry: pd.DataFrame) -> pd.DataFrame:
    """The registry rows the section shows: the anchor themes, and the research and procurement gaps."""
    if registry.empty:
        return registry
    themed = registry["theme"].isin(ANCHOR_THEMES)
    gaps = (registry["aggregation"] == "gap") & registry["domain"].isin(GAP_DOMAINS)
    return registry[themed | gaps]


def anchor_view(pack: IcbPack) -> AnchorView:
    """The section of an ICB's pack; empty for another area's pack (its NHS figures are published for ICBs only)."""
    if getattr(pack, "area_type", ""):
        return AnchorView()
    chosen = anchor_indicators(_registry(pack))
    released = _release_date(pack)
    figures: list[AnchorFigure] = []
    gaps: list[AnchorGap] = []
    latest = pack.latest.set_index("indicator_id") if not pack.latest.empty else pd.DataFrame()
    breakdowns = pack.breakdowns
    for row in chosen.itertuples(index=False):
        part = _part(_text(row.theme), _text(row.domain))
        if row.aggregation == "gap":
            gaps.append(
                AnchorGap(
                    part=part,
                    indicator_id=row.id,
                    title=row.title,
                    reason=_text(row.definition),
                    live_source=_text(row.caveats),
                )
            )
            continue
        figure = latest.loc[row.id] if row.id in latest.index else None
        period, years_old, value, method, source, note = "", None, None, "", _text(row.source_id), ""
        by_group: list[tuple[str, float | None]] = []
        if figure is not None:
            period = _text(figure["period"])
            value = _number(figure["value"])
            method = _text(figure.get("method"))
            source = _text(figure.get("source_id")) or source
            status = _text(figure.get("value_status"))
            note = "" if status in ("", "ok") else status.replace("_", " ")
            years_old = _years_old(released, figure.get("period_start"), period)
        elif not breakdowns.empty and row.id in set(breakdowns["indicator_id"]):
            # published only in breakdowns (e.g. by practice deprivation quintile): no single ICB figure, so the
            # latest period's value of each group is shown instead
            of_indicator = breakdowns[breakdowns["indicator_id"] == row.id]
            period = max(of_indicator["period"].astype(str))
            of_period = of_indicator[of_indicator["period"].astype(str) == period].sort_values(
                ["breakdown", "breakdown_value"]
            )
            kinds = list(dict.fromkeys(_text(b).replace("_", " ") for b in of_period["breakdown"]))
            breakdown = " and ".join(kinds)
            # one kind of breakdown: its groups; several (e.g. staff group and nationality): each group named
            # with its kind, so no group is read as another kind's
            by_group = [
                (_text(v) if len(kinds) == 1 else f"{_text(b).replace('_', ' ')} {_text(v)}", _number(x))
                for b, v, x in zip(
                    of_period["breakdown"], of_period["breakdown_value"], of_period["value"], strict=True
                )
            ]
            years_old = _years_old(released, None, period)
            method = _text(of_period["method"].iloc[0]) if "method" in of_period.columns else ""
            note = f"No single ICB figure: published by {breakdown}"
        else:
            note = "No figure for this ICB in this release."
        figures.append(
            AnchorFigure(
                part=part,
                indicator_id=row.id,
                title=row.title,
                period=period,
                years_old=years_old,
                value=value,
                unit=_text(row.unit) or None,
                method=method,
                source_id=source,
                note=note,
                by_group=by_group,
            )
        )
    order = {name: i for i, (name, _) in enumerate(PARTS)}
    figures.sort(key=lambda f: (order.get(f.part, len(order)), f.title))
    gaps.sort(key=lambda g: (order.get(g.part, len(order)), g.title))
    partners = _partners(pack.partners)
    return AnchorView(figures=figures, gaps=gaps, partners=partners, has_partner_table=not pack.partners.empty)


def _partners(frame: pd.DataFrame) -> list[Partner]:
    if frame.empty:
        return []
    type_order = {partner_type: i for i, partner_type in enumerate(PARTNER_TYPES)}
    rows = frame.assign(
        _type_order=frame["partner_type"].map(type_order).fillna(len(type_order)),
        # largest first: the share of the ICB's residents for places, of the trust's patients for trusts
        _weight=frame["share_of_icb_residents_in_partner"].fillna(frame["share_of_partner_residents_in_icb"]),
    ).sort_values(["_type_order", "_weight", "partner_name"], ascending=[True, False, True], na_position="last")
    return [
        Partner(
            partner_type=row.partner_type,
            code=row.partner_code,
            name=row.partner_name,
            kind=_text(row.partner_kind),
            relationship=_text(row.relationship),
            share_of_partner_in_icb=_number(row.share_of_partner_residents_in_icb),
            share_of_icb_in_partner=_number(row.share_of_icb_residents_in_partner),
            coterminous=_flag(row.is_coterminous),
            elected_mayor=_flag(row.has_elected_mayor),
            note=_text(row.shares_note),
            as_at=_text(row.as_at),
        )
        for row in rows.itertuples(index=False)
    ]


def share_text(share: float | None) -> str:
    return "" if share is None else f"{share:.1%}"


def period_text(figure: AnchorFigure) -> str:
    """The period as the section prints it: the period, and how old it is when it is old."""
    if not figure.period:
        return "no figure"
    if figure.is_old:
        return f"{figure.period} ({figure.years_old} years before this release)"
    return figure.period

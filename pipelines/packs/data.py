"""What a baseline pack shows, read once from a published release and sliced per ICB.

Packs are built from the release's DuckDB file only (never the build database), so a pack regenerated later from
the same release is the same pack. Optional tables (added by later releases) are read when present.
"""

from __future__ import annotations

import calendar
import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

from pipelines.areas import load_areas
from pipelines.settings import WAREHOUSE_FILE_NAME, get_settings

# ICB boundary vintages, from the registry of areas the build uses (areas.yaml unless `build --areas-registry`):
# the day each came into force (it stays in force until the next one does) and its label.
ICB_VINTAGES = {
    vintage_id: {"in_force_from": vintage.in_force_from, "label": vintage.label}
    for vintage_id, vintage in load_areas(get_settings().areas_file).vintages_of("icb").items()
    if vintage.in_force_from is not None
}
VINTAGE_LABELS = {vintage: about["label"] for vintage, about in ICB_VINTAGES.items()}

# A release writes packs for the boundaries ICS teams plan and report on: every vintage in force at some time in
# the 12 months before the release, and any that comes into force later. Older vintages stay in every table and
# bulk download (and `ics-baseline pack --vintage` writes their packs on demand), so a release does not grow by a
# pack per ICB with every boundary change (ICB22, superseded in April 2023, was 42 packs and 14 MB a release).
PACKS_FOR_VINTAGES_IN_FORCE_WITHIN_MONTHS = 12


def vintages_with_packs(vintages: Iterable[str], on: date) -> list[str]:
    """The vintages, of those given, whose packs a release made on `on` writes (a vintage not declared in
    ICB_VINTAGES always gets packs: nothing says it has been superseded)."""
    starts = sorted(about["in_force_from"] for about in ICB_VINTAGES.values())
    months = on.year * 12 + on.month - 1 - PACKS_FOR_VINTAGES_IN_FORCE_WITHIN_MONTHS
    year, month = divmod(months, 12)
    cutoff = date(year, month + 1, min(on.day, calendar.monthrange(year, month + 1)[1]))
    chosen = []
    for vintage in vintages:
        about = ICB_VINTAGES.get(vintage)
        later = [start for start in starts if about is not None and start > about["in_force_from"]]
        superseded_on = later[0] if later else None
        if superseded_on is None or superseded_on > cutoff:
            chosen.append(vintage)
    return chosen


OGL_ATTRIBUTION = (
    "Contains public sector information licensed under the Open Government Licence v3.0. "
    "Boundaries contain OS data © Crown copyright and database right."
)

# The area types a pack shows as the ICB's places: local authority districts and unitaries (LAD24), and upper-tier
# councils (UTLA23), shown where their figures are published for councils only (pipelines/packs/places.py).
PLACE_TYPES = ("lad", "utla")

# The neighbourhood map's shading, the first of these the release has for MSOAs: the population-weighted average
# IMD 2025 score of the MSOA, or (a release without it) the share of its residents in the most income-deprived
# tenth of LSOAs in England.
NEIGHBOURHOOD_MEASURES = ("imd2025_average_score", "imd2025_income_most_deprived_decile_population_share")

# The columns of icb_indicator_comparisons a pack carries, joined with the registry's description of each.
INDICATOR_COLUMNS = [
    "title",
    "domain",
    "theme",
    "levelling_up_mission",
    "definition",
    "numerator_definition",
    "denominator_definition",
    "aggregation",
    "source_id",
    "publisher",
    "licence",
    "cadence",
    "next_release",
    "source_landing_page",
    "caveats",
]


def safe_file_stem(code: str, name: str) -> str:
    """A download name that is safe on every file system: the code plus an ASCII slug of the name."""
    if not re.fullmatch(r"[A-Z0-9]{3,12}", code):
        raise ValueError(f"unexpected area code {code!r}")
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name).strip("-")[:80].rstrip("-")
    return f"{code}-{slug}" if slug else code


def pack_file_stem(code: str, name: str, vintage: str) -> str:
    """The file stem of an ICB's pack and CSV: its safe code-and-name stem and its vintage."""
    return f"{safe_file_stem(code, name)}-{vintage.lower()}"


@dataclass(frozen=True)
class IcbPack:
    """Everything one ICB's pack (workbook, report, CSV) shows, for one boundary vintage."""

    release_id: str
    icb: dict  # icbs row: icb_code, icb_name, icb_vintage, icb_ods_code, nhs_region_code, nhs_region_name, ...
    comparisons: pd.DataFrame  # every period of every indicator, with the registry's description columns
    latest: pd.DataFrame  # the latest period with a value of each indicator (one row per indicator)
    ranges: pd.DataFrame  # per indicator, latest period: min/q1/median/q3/max of ICB values of the vintage
    domain_summary: pd.DataFrame  # icb_domain_summaries rows
    breakdowns: pd.DataFrame  # icb_indicator_breakdowns rows
    reconciliations: pd.DataFrame  # icb_reconciliations rows
    peers: pd.DataFrame  # icb_peers rows (empty if the release has none)
    peer_context: pd.DataFrame  # icb_peer_context rows (empty if none)
    deprivation_deciles: pd.DataFrame  # icb_deprivation_decile_breakdowns rows (empty if none)
    inequality_gaps: pd.DataFrame  # icb_inequality_gaps rows (empty if none)
    boundaries: pd.DataFrame  # rows of the release's boundaries table relevant to this ICB (empty if none)
    manifest: dict = field(default_factory=dict)
    # The ICB's places: areas rows (lad, utla) overlapping it in its vintage, with their resident shares
    places: pd.DataFrame = field(default_factory=pd.DataFrame)
    # Each place's latest figure of each indicator (area_indicator_comparisons, or area_indicators without verdicts
    # in a release that has no comparisons for areas), with the indicator's title and domain
    place_figures: pd.DataFrame = field(default_factory=pd.DataFrame)
    # The ICB's neighbourhoods (MSOAs overlapping it): code, name, geometry, share of the MSOA in the ICB and the
    # map's deprivation figure; `neighbourhood_measure` describes that figure and its England quintile breaks
    neighbourhoods: pd.DataFrame = field(default_factory=pd.DataFrame)
    neighbourhood_measure: dict = field(default_factory=dict)
    # The civic map: icb_partners rows of this ICB and vintage (councils, combined authorities, NHS trusts)
    partners: pd.DataFrame = field(default_factory=pd.DataFrame)
    # The release's indicator registry (the NHS as anchor section lists its gaps, which have no figures)
    registry: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def code(self) -> str:
        return self.icb["icb_code"]

    @property
    def name(self) -> str:
        return self.icb["icb_name"]

    @property
    def vintage(self) -> str:
        return self.icb["icb_vintage"]

    @property
    def file_stem(self) -> str:
        return pack_file_stem(self.code, self.name, self.vintage)


class ReleaseData:
    """The tables of one release, loaded once; `pack(code, vintage)` slices them for one ICB."""

    def __init__(self, release_dir: Path, manifest: dict | None = None):
        self.release_dir = Path(release_dir)
        database = self.release_dir / WAREHOUSE_FILE_NAME
        if not database.is_file():
            raise FileNotFoundError(f"no published database in {self.release_dir}")
        manifest_path = self.release_dir / "manifest.json"
        if manifest is None and manifest_path.is_file():
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        self.manifest = manifest or {}
        self.release_id = self.manifest.get("release_id", self.release_dir.name)
        with duckdb.connect(str(database), read_only=True) as con:
            tables = {row[0] for row in con.execute("select table_name from information_schema.tables").fetchall()}

            def read(table: str, sql: str | None = None) -> pd.DataFrame:
                if table not in tables:
                    return pd.DataFrame()
                return con.sql(sql or f"select * from {table}").df()

            self.icbs = read("icbs")
            self.indicators = read("indicators")
            self.comparisons = read(
                "icb_indicator_comparisons",
                f"""
                select c.*, {", ".join(f"i.{column}" for column in INDICATOR_COLUMNS if column != "domain")}
                from icb_indicator_comparisons as c
                inner join indicators as i on c.indicator_id = i.id
                order by c.icb_vintage, c.icb_code, i.domain, i.title, c.period_start
                """,
            )
            self.domain_summaries = read("icb_domain_summaries")
            self.breakdowns = read("icb_indicator_breakdowns")
            self.reconciliations = read("icb_reconciliations")
            self.peers = read("icb_peers")
            self.peer_context = read("icb_peer_context")
            self.deprivation_deciles = read("icb_deprivation_decile_breakdowns")
            self.inequality_gaps = read("icb_inequality_gaps")
            self.boundaries = read("boundaries")
            self.partners = read("icb_partners")
            self.areas = read(
                "areas",
                f"select * from areas where area_type in ({', '.join(repr(t) for t in (*PLACE_TYPES, 'msoa'))})",
            )
            place_figures = self._read_place_figures(con, tables)
            # by place, so a pack takes its places' rows without scanning every place's
            self.place_figures = (
                {key: rows for key, rows in place_figures.groupby(["area_type", "area_code"])}
                if not place_figures.empty
                else {}
            )
            self.neighbourhood_measure, self.neighbourhood_values = self._read_neighbourhood_measure(con, tables)
        # MSOA boundaries are published once for every vintage (icb_vintage NULL); a pack takes its ICB's
        self.msoa_boundaries = pd.DataFrame(columns=["area_code", "geometry_geojson"])
        if not self.boundaries.empty and "area_type" in self.boundaries.columns:
            msoas = self.boundaries[self.boundaries.area_type == "msoa"]
            self.msoa_boundaries = msoas[["area_code", "geometry_geojson"]].reset_index(drop=True)
        self.latest = self._latest_per_indicator(self.comparisons)
        self.ranges = self._ranges(self.comparisons, self.latest)

    @staticmethod
    def _read_place_figures(con: duckdb.DuckDBPyConnection, tables: set[str]) -> pd.DataFrame:
        """The latest figure of each indicator of every place (lad, utla), with its verdict against England where the
        release has one. Only each place's latest period is needed: a row of the Places table takes the latest
        period any of the ICB's places has, and a place with a figure for that period has no later one."""
        types = ", ".join(repr(t) for t in PLACE_TYPES)
        columns = "f.area_type, f.area_code, f.indicator_id, f.period, f.period_start, f.value, f.unit"
        columns += ", i.title, i.domain"
        if "area_indicator_comparisons" in tables:
            verdicts = "f.england_value, f.significance_95, f.not_compared_reason"
            table = "area_indicator_comparisons"
        elif "area_indicators" in tables:
            verdicts = "null::double as england_value, null::varchar as significance_95"
            verdicts += ", null::varchar as not_compared_reason"
            table = "area_indicators"
        else:
            return pd.DataFrame()
        return con.sql(
            f"""
            select {columns}, {verdicts}
            from {table} as f
            inner join indicators as i on f.indicator_id = i.id
            where f.area_type in ({types}) and f.value is not null
            qualify row_number() over (
                partition by f.area_type, f.area_code, f.indicator_id order by f.period_start desc, f.period desc
            ) = 1
            """
        ).df()

    @staticmethod
    def _read_neighbourhood_measure(con: duckdb.DuckDBPyConnection, tables: set[str]) -> tuple[dict, pd.DataFrame]:
        """The first of NEIGHBOURHOOD_MEASURES the release has for MSOAs: its description, England quintile breaks
        of its latest period (over every MSOA with a value), and each MSOA's value."""
        if "area_indicators" not in tables:
            return {}, pd.DataFrame()
        for indicator_id in NEIGHBOURHOOD_MEASURES:
            values = con.execute(
                """
                select area_code, period, value
                from area_indicators
                where area_type = 'msoa' and indicator_id = ? and value is not null
                qualify period_start = max(period_start) over ()
                """,
                [indicator_id],
            ).df()
            if values.empty:
                continue
            title, unit, polarity = con.execute(
                "select title, unit, polarity from indicators where id = ?", [indicator_id]
            ).fetchone()
            # quintile breaks; where ties make two breaks one (many MSOAs at 0), the bands merge
            breaks = sorted({float(b) for b in values["value"].quantile([0.2, 0.4, 0.6, 0.8])})
            measure = {
                "indicator_id": indicator_id,
                "title": title,
                "unit": unit,
                "polarity": polarity,
                "period": values["period"].iloc[0],
                "england_min": float(values["value"].min()),
                "england_max": float(values["value"].max()),
                "quintile_breaks": breaks,
                "msoas_with_value": len(values),
            }
            return measure, values[["area_code", "value"]]
        return {}, pd.DataFrame()

    @staticmethod
    def _latest_per_indicator(comparisons: pd.DataFrame) -> pd.DataFrame:
        with_value = comparisons[comparisons["value"].notna()]
        ordered = with_value.sort_values(["period_start", "period"])
        return ordered.groupby(["icb_vintage", "icb_code", "indicator_id"], as_index=False).tail(1)

    @staticmethod
    def _ranges(comparisons: pd.DataFrame, latest: pd.DataFrame) -> pd.DataFrame:
        """Spread of ICB values for each indicator's latest period in each vintage (the spine chart's bar)."""
        periods = latest.groupby(["icb_vintage", "indicator_id"])["period_start"].max().reset_index()
        values = comparisons.merge(periods, on=["icb_vintage", "indicator_id", "period_start"])
        values = values[values["value"].notna()]
        grouped = values.groupby(["icb_vintage", "indicator_id", "period"])["value"]
        ranges = grouped.agg(
            icb_min="min",
            icb_q1=lambda v: v.quantile(0.25),
            icb_median="median",
            icb_q3=lambda v: v.quantile(0.75),
            icb_max="max",
            icbs_with_value="count",
        ).reset_index()
        return ranges

    def icb_keys(self) -> list[tuple[str, str]]:
        return [(row.icb_code, row.icb_vintage) for row in self.icbs.itertuples()]

    def file_stems(self) -> list[tuple[str, str, str]]:
        """(code, vintage, download file stem) of every ICB of every vintage."""
        return [
            (row.icb_code, row.icb_vintage, pack_file_stem(row.icb_code, row.icb_name, row.icb_vintage))
            for row in self.icbs.itertuples()
        ]

    def pack(self, icb_code: str, icb_vintage: str) -> IcbPack:
        icb_rows = self.icbs[(self.icbs.icb_code == icb_code) & (self.icbs.icb_vintage == icb_vintage)]
        if icb_rows.empty:
            known = sorted(self.icbs[self.icbs.icb_code == icb_code].icb_vintage)
            hint = f" (it exists in {', '.join(known)})" if known else ""
            raise KeyError(f"ICB {icb_code} is not in vintage {icb_vintage} of release {self.release_id}{hint}")

        def of_icb(frame: pd.DataFrame) -> pd.DataFrame:
            if frame.empty:
                return frame
            return frame[(frame.icb_code == icb_code) & (frame.icb_vintage == icb_vintage)].reset_index(drop=True)

        boundaries = self.boundaries
        if not boundaries.empty and "icb_vintage" in boundaries.columns:
            boundaries = boundaries[boundaries.icb_vintage == icb_vintage].reset_index(drop=True)
        places, neighbourhoods, place_figures = pd.DataFrame(), pd.DataFrame(), pd.DataFrame()
        if not self.areas.empty:
            overlapping = self.areas[(self.areas.icb_code == icb_code) & (self.areas.icb_vintage == icb_vintage)]
            places = overlapping[overlapping.area_type.isin(PLACE_TYPES)].reset_index(drop=True)
            msoas = overlapping[overlapping.area_type == "msoa"]
            columns = ["area_code", "area_name", "share_of_area_residents_in_icb", "usual_residents_2021"]
            neighbourhoods = msoas[columns].merge(self.msoa_boundaries, on="area_code", how="left")
            if not self.neighbourhood_values.empty:
                neighbourhoods = neighbourhoods.merge(self.neighbourhood_values, on="area_code", how="left")
            else:
                neighbourhoods["value"] = float("nan")
            neighbourhoods = neighbourhoods.sort_values("area_code").reset_index(drop=True)
            of_places = [self.place_figures.get(key) for key in zip(places.area_type, places.area_code, strict=True)]
            of_places = [rows for rows in of_places if rows is not None]
            if of_places:
                place_figures = pd.concat(of_places, ignore_index=True)
        return IcbPack(
            release_id=self.release_id,
            icb=icb_rows.iloc[0].to_dict(),
            comparisons=of_icb(self.comparisons),
            latest=of_icb(self.latest),
            ranges=self.ranges[self.ranges.icb_vintage == icb_vintage].reset_index(drop=True),
            domain_summary=of_icb(self.domain_summaries),
            breakdowns=of_icb(self.breakdowns),
            reconciliations=of_icb(self.reconciliations),
            peers=of_icb(self.peers),
            peer_context=of_icb(self.peer_context),
            deprivation_deciles=of_icb(self.deprivation_deciles),
            inequality_gaps=of_icb(self.inequality_gaps),
            boundaries=boundaries,
            manifest=self.manifest,
            places=places,
            place_figures=place_figures,
            neighbourhoods=neighbourhoods,
            neighbourhood_measure=self.neighbourhood_measure,
            partners=of_icb(self.partners),
            registry=self.indicators,
        )


# area_indicator_comparisons and areas carry the area's keys where the ICB tables carry the ICB's: renamed, one
# area's figures are an ICB pack's, and the same workbook and report writers draw them.
AREA_KEYS_AS_ICB_KEYS = {"area_code": "icb_code", "area_name": "icb_name", "area_vintage": "icb_vintage"}


@dataclass(frozen=True)
class AreaPack(IcbPack):
    """One area's pack (any area of `areas` but an ICB, e.g. a custom area): an IcbPack whose `icb` row is the
    area's, ranked and ranged among the areas of its own type and vintage."""

    area_type: str = ""
    indicators: pd.DataFrame = field(default_factory=pd.DataFrame)  # the release's registry (Metadata sheet)

    @property
    def file_stem(self) -> str:
        return area_file_stem(self.code, self.name, self.vintage)


def area_file_stem(code: str, name: str, vintage: str) -> str:
    """A safe download name for any area's code (a custom area's code is the user's: letters, digits, - and _)."""
    return "-".join(_slug(part) for part in (code, name, vintage) if _slug(part))


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")[:80].rstrip("-")


def area_pack(release_dir: Path, area_code: str, area_type: str | None = None) -> AreaPack:
    """The pack of one area of the release's `areas` (not an ICB: `pack --icb` writes those), from its
    area_indicator_comparisons rows. KeyError, with what to do, when the code names no area, an ICB, or areas
    of more than one type or vintage (a unitary authority is both a district and an upper-tier council)."""
    release_dir = Path(release_dir)
    manifest_path = release_dir / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8")) if manifest_path.is_file() else {}
    release_id = manifest.get("release_id", release_dir.name)
    with duckdb.connect(str(release_dir / WAREHOUSE_FILE_NAME), read_only=True) as con:
        tables = {row[0] for row in con.execute("select table_name from information_schema.tables").fetchall()}
        if "area_indicator_comparisons" not in tables:
            raise KeyError(f"release {release_id} has no area_indicator_comparisons: area packs need a later release")
        type_filter = "and area_type = $area_type" if area_type else ""
        params = {"code": area_code} | ({"area_type": area_type} if area_type else {})
        found = con.execute(
            f"""
            select area_type, area_vintage, any_value(area_name), any_value(usual_residents_2021)
            from areas where area_code = $code {type_filter}
            group by all order by all
            """,
            params,
        ).fetchall()
        if not found:
            raise KeyError(f"no area {area_code}{f' of type {area_type}' if area_type else ''} in release {release_id}")
        # 'icb' is the registry's id of the integrated care boards, whose packs `pack --icb` writes unchanged
        if any(found_type == "icb" for found_type, *_ in found):
            raise KeyError(f"{area_code} is an ICB: `ics-baseline pack --icb {area_code}` writes its packs")
        if len(found) > 1:
            kinds = ", ".join(f"{t} ({v})" for t, v, _, _ in found)
            raise KeyError(f"{area_code} is an area of more than one type or vintage: {kinds}; give --area-type")
        found_type, vintage, name, residents = found[0]
        # every area of the type and vintage: ranks and the spine's ranges are among them
        comparisons = con.execute(
            f"""
            select c.*, {", ".join(f"i.{column}" for column in INDICATOR_COLUMNS if column != "domain")}
            from area_indicator_comparisons as c
            inner join indicators as i on c.indicator_id = i.id
            where c.area_type = $area_type and c.area_vintage = $vintage
            order by c.area_code, i.domain, i.title, c.period_start
            """,
            {"area_type": found_type, "vintage": vintage},
        ).df()
        indicators = con.execute("select * from indicators").df()
    indicators_registered = indicators.groupby("domain", sort=False).size().reset_index()
    comparisons = comparisons.rename(columns=AREA_KEYS_AS_ICB_KEYS)
    latest = ReleaseData._latest_per_indicator(comparisons)
    ranges = ReleaseData._ranges(comparisons, latest)

    def of_area(frame: pd.DataFrame) -> pd.DataFrame:
        return frame[frame.icb_code == area_code].reset_index(drop=True)

    area_rows, area_latest = of_area(comparisons), of_area(latest)
    first = area_rows.iloc[0] if not area_rows.empty else pd.Series(dtype=object)
    area = {
        "icb_code": area_code,
        "icb_name": name,
        "icb_vintage": vintage,
        "area_type": found_type,
        "usual_residents_2021": residents,
        "nhs_region_code": first.get("nhs_region_code"),
        "nhs_region_name": first.get("nhs_region_name"),
        "parent_icb_code": first.get("parent_icb_code"),
        "parent_icb_name": first.get("parent_icb_name"),
        "parent_icb_vintage": first.get("parent_icb_vintage"),
    }
    empty = pd.DataFrame()
    return AreaPack(
        release_id=release_id,
        icb=area,
        comparisons=area_rows,
        latest=area_latest,
        ranges=ranges,
        domain_summary=_domain_summary(area_latest, indicators_registered),
        breakdowns=empty,
        reconciliations=empty,
        peers=empty,
        peer_context=empty,
        deprivation_deciles=empty,
        inequality_gaps=empty,
        boundaries=empty,
        manifest=manifest,
        area_type=found_type,
        indicators=indicators,
    )


def _domain_summary(latest: pd.DataFrame, registered: pd.DataFrame) -> pd.DataFrame:
    """icb_domain_summaries' counts for one area, from its latest figures (the mart is written for ICBs only)."""
    rows = []
    for domain, indicators_registered in registered.itertuples(index=False):
        figures = latest[latest.domain == domain] if not latest.empty else latest
        significance = figures.get("significance_95", pd.Series(dtype=str))
        trend = figures.get("trend_assessment", pd.Series(dtype=str))
        rows.append(
            {
                "domain": domain,
                "indicators_registered": int(indicators_registered),
                "indicators_with_figures": len(figures),
                "significantly_better": int((significance == "better").sum()),
                "not_significantly_different": int((significance == "similar").sum()),
                "significantly_worse": int((significance == "worse").sum()),
                "not_compared": int((significance == "not_compared").sum()),
                "getting_better": int((trend == "getting_better").sum()),
                "getting_worse": int((trend == "getting_worse").sum()),
                "significantly_worse_and_getting_worse": int(
                    ((significance == "worse") & (trend == "getting_worse")).sum()
                ),
            }
        )
    return pd.DataFrame(rows)

"""The HTML report of one ICB, rendered from a real release built from the snapshot.

Checks what the page must contain, that it needs no network and no JavaScript, and that each chart is one inline
SVG (well-formed XML) whose marks match the release's figures; the browser test (test_report_browser.py) checks
that the charts actually draw.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from pipelines.packs import svg_charts
from pipelines.packs.data import OGL_ATTRIBUTION, VINTAGE_LABELS, ReleaseData
from pipelines.packs.html_report import (
    SIGNIFICANCE,
    TREND_MIN_PERIODS,
    format_value,
    render_icb_report,
    report_context,
)
from pipelines.packs.places import places_view

pytestmark = pytest.mark.e2e

# ICB26: the merged Surrey and Sussex ICB (a new code); ICB22: Surrey Heartlands under its pre-2023 code, which
# has no boundary of its own (drawn with the April 2023 boundary sharing most of its LSOAs).
# ICB24: Cheshire and Merseyside, whose latest figures include both better and worse verdicts (the Surrey ICBs,
# compared honestly, have none worse), so the spine chart's two sides are both exercised.
PACKS = [("E54000069", "ICB26"), ("E54000052", "ICB22"), ("E54000008", "ICB24")]
MAX_REPORT_BYTES = 400_000
SVG = "{http://www.w3.org/2000/svg}"
CHART_IDS = ("spine-chart", "trend-chart", "map-chart")


class _Page(HTMLParser):
    """Visible text, scripts and external resource references of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.external: list[str] = []
        self.scripts = 0
        self.links: list[str] = []
        self.svgs = 0
        self._in: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script":
            self.scripts += 1
            self._in = "script"
        elif tag == "style":
            self._in = "style"
        elif tag == "svg":
            self.svgs += 1
        if tag == "link":
            self.links.append(attrs.get("href") or "")
        for name in ("src", "srcset", "data", "poster", "href", "xlink:href"):
            value = attrs.get(name) or ""
            if re.match(r"\s*(https?:)?//", value) and tag != "a":
                self.external.append(f"{tag} {name}={value}")

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._in = None

    def handle_data(self, data):
        if self._in == "style":
            if re.search(r"url\(\s*['\"]?(https?:)?//", data) or "@import" in data:
                self.external.append("css url()")
        elif self._in is None:
            self.text.append(data)

    @property
    def visible_text(self) -> str:
        return re.sub(r"\s+", " ", " ".join(self.text))


def _parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def _figure(html: str, chart_id: str) -> tuple[ET.Element, str]:
    """The chart's figure: its one SVG parsed as XML (it must be well-formed) and its caption's text."""
    match = re.search(rf'<figure class="chart" id="{chart_id}">(.*?)</figure>', html, re.S)
    assert match, f"no figure #{chart_id}"
    inner = match.group(1)
    assert inner.count("<svg") == 1, f"#{chart_id} must hold exactly one <svg>"
    svg_text = re.search(r"<svg\b.*</svg>", inner, re.S).group(0)
    caption = re.search(r"<figcaption[^>]*>(.*?)</figcaption>", inner, re.S)
    assert caption and caption.group(1).strip(), f"#{chart_id} has no figcaption"
    return ET.fromstring(svg_text), caption.group(1)


def _with_class(svg: ET.Element, tag: str, cls: str) -> list[ET.Element]:
    elements = svg.iter() if tag == "*" else svg.iter(f"{SVG}{tag}")
    return [e for e in elements if cls in (e.get("class") or "").split()]


def _dots(points: ET.Element) -> list[tuple[int, int]]:
    """The dots of a trend `path.points`: each a zero-length subpath `Mx,yh0`, drawn by its round cap."""
    d = points.get("d") or ""
    dots = re.findall(r"M(-?\d+),(-?\d+)h0", d)
    assert "".join(f"M{x},{y}h0" for x, y in dots) == d, d  # nothing else in the path
    assert points.get("stroke-linecap") == "round"
    return [(int(x), int(y)) for x, y in dots]


def _title(element: ET.Element) -> str:
    title = element.find(f"{SVG}title")
    return "" if title is None else (title.text or "")


@pytest.fixture(scope="module")
def release(built_warehouse) -> ReleaseData:
    return ReleaseData(built_warehouse / "releases" / "latest")


@pytest.fixture(scope="module", params=PACKS, ids=[f"{code}-{vintage}" for code, vintage in PACKS])
def rendered(request, release, tmp_path_factory):
    code, vintage = request.param
    pack = release.pack(code, vintage)
    out_dir = tmp_path_factory.mktemp(f"report-{vintage}")
    path = render_icb_report(pack, out_dir)
    return pack, path, _parse(path)


def test_one_self_contained_file_named_from_the_pack_with_no_javascript(rendered):
    pack, path, page = rendered
    assert path.name == f"{pack.file_stem}.html"
    assert [p.name for p in path.parent.iterdir()] == [path.name]
    assert page.scripts == 0
    html = path.read_text(encoding="utf-8")
    assert not re.search(r"<script", html, re.I)
    assert not re.search(r"\son[a-z]+\s*=", html, re.I), "no inline event handlers either"
    assert page.links == []
    assert page.external == []
    assert not re.search(r"<(link|img|iframe|use|image)[^>]+(src|href)\s*=\s*['\"]?(https?:)?//", html, re.I)
    assert path.stat().st_size <= MAX_REPORT_BYTES
    # one SVG per chart and none elsewhere
    assert page.svgs == len(CHART_IDS)


def test_each_chart_is_one_accessible_svg_with_title_description_and_caption(rendered):
    pack, path, _ = rendered
    html = path.read_text(encoding="utf-8")
    for chart_id in CHART_IDS:
        svg, _ = _figure(html, chart_id)
        assert svg.tag == f"{SVG}svg"
        assert svg.get("role") == "img"
        labelled_by = svg.get("aria-labelledby").split()
        children = {child.get("id"): child for child in svg}
        assert [children[i].tag for i in labelled_by] == [f"{SVG}title", f"{SVG}desc"]
        assert all((children[i].text or "").strip() for i in labelled_by)
    assert pack.name in _title_and_desc(html, "spine-chart")


def _title_and_desc(html: str, chart_id: str) -> str:
    svg, _ = _figure(html, chart_id)
    return " ".join(child.text or "" for child in svg if child.tag in (f"{SVG}title", f"{SVG}desc"))


def test_header_names_the_icb_vintage_region_release_and_licence(rendered):
    pack, _, page = rendered
    text = page.visible_text
    for expected in (
        pack.name,
        pack.code,
        VINTAGE_LABELS[pack.vintage],
        pack.icb["nhs_region_name"],
        pack.release_id,
        OGL_ATTRIBUTION,
    ):
        assert expected in text, expected


def test_every_indicator_with_a_value_is_shown_with_its_comparison_word(rendered):
    pack, _, page = rendered
    text = page.visible_text
    latest = pack.latest[pack.latest["value"].notna()]
    assert len(latest) > 20
    missing = [title for title in latest["title"] if title not in text]
    assert missing == []
    for key in latest["significance_95"].unique():
        assert SIGNIFICANCE[key]["label"] in text
    for word in ("Better", "Similar", "Worse", "Not compared"):
        assert word in text


def test_spine_chart_puts_better_right_and_worse_left_of_england(rendered, release):
    pack, path, _ = rendered
    context = report_context(pack)
    spine = context["chart_data"]["spine"]
    latest = pack.latest.set_index("title")
    assert len(spine) > 20
    sides = {"Better": 0, "Worse": 0}
    for row in spine:
        significance = latest.loc[row["title"], "significance_95"]
        assert row["significance_label"] == SIGNIFICANCE[significance]["label"]
        assert 0 <= row["x_min"] <= row["x_q1"] <= row["x_q3"] <= row["x_max"] <= 1
        assert row["x_min"] - 1e-4 <= row["x_value"] <= row["x_max"] + 1e-4
        if row["significance_label"] == "Better":
            assert row["x_value"] > 0.5
            sides["Better"] += 1
        elif row["significance_label"] == "Worse":
            assert row["x_value"] < 0.5
            sides["Worse"] += 1
    assert sides["Better"] + sides["Worse"] > 0
    if pack.code == "E54000008":
        assert sides["Better"] > 0 and sides["Worse"] > 0

    # The bar against every ICB of the vintage for the same period, recomputed from the release's comparisons:
    # England at 0.5, the ICB furthest from England at an edge, lower-is-better rows mirrored.
    everyone = release.comparisons[release.comparisons.icb_vintage == pack.vintage]
    for row in spine:
        entry = latest.loc[row["title"]]
        values = everyone[
            (everyone.indicator_id == entry["indicator_id"])
            & (everyone.period == entry["period"])
            & everyone.value.notna()
        ]["value"]
        england = entry["england_value"]
        half = max((values - england).abs().max(), 1e-300)
        sign = -1 if entry["polarity"] == "lower_is_better" else 1
        ends = sorted(0.5 + sign * (v - england) / (2 * half) for v in (values.min(), values.max()))
        assert row["x_min"] == pytest.approx(ends[0], abs=1e-3), row["title"]
        assert row["x_max"] == pytest.approx(ends[1], abs=1e-3), row["title"]
        assert row["x_value"] == pytest.approx(0.5 + sign * (entry["value"] - england) / (2 * half), abs=1e-3)
        assert row["range_text"].endswith(f"({len(values)} ICBs)")

    # The drawing: one marker per row, in order, where the row puts it, coloured by the release's verdict and
    # shaped by it too (one shape per verdict), with the figures as hover text.
    svg, _ = _figure(path.read_text(encoding="utf-8"), "spine-chart")
    markers = _with_class(svg, "*", "marker")
    assert len(markers) == len(spine) == context["chart_counts"]["spine-chart"]["markers"]
    shapes: dict[str, set[str]] = {}
    for marker, row in zip(markers, spine, strict=True):
        verdict = SIGNIFICANCE[latest.loc[row["title"], "significance_95"]]
        assert marker.get("fill") == verdict["colour"]
        assert float(marker.get("data-x")) == pytest.approx(row["x_value"], abs=1e-4)
        hover = _title(marker)
        assert hover.startswith(f"{row['title']} ({row['period']})")
        assert row["value_text"] in hover and row["england_text"] in hover and verdict["label"] in hover
        # the marker's shape: its path after the absolute first point
        shapes.setdefault(verdict["label"], set()).add(re.sub(r"^M[-\d.]+,[-\d.]+", "", marker.get("d")))
    assert all(len(found) == 1 for found in shapes.values())
    assert len({next(iter(found)) for found in shapes.values()}) == len(shapes)
    # England's line: one vertical rule per domain block, at the centre of the spine
    centre = svg_charts.SPINE_LABEL_WIDTH + svg_charts.SPINE_WIDTH / 2
    domains = {row["domain"] for row in spine}
    rules = [p for p in svg.iter(f"{SVG}path") if (p.get("d") or "").startswith(f"M{centre:g},")]
    assert len(rules) == len(domains)


def test_trend_panels_carry_every_period_of_the_icb_and_england(rendered):
    pack, path, _ = rendered
    context = report_context(pack)
    trends = pd.DataFrame(context["chart_data"]["trends"])
    with_value = pack.comparisons[pack.comparisons["value"].notna()]
    periods = with_value.groupby("title")["period"].nunique()
    expected_titles = set(periods[periods >= TREND_MIN_PERIODS].index)
    assert set(trends["title"]) == expected_titles
    for title in list(expected_titles)[:10]:
        series = with_value[with_value["title"] == title]
        drawn = trends[(trends["title"] == title)]
        assert (drawn["series"] == "This ICB").sum() == len(series)
        assert (drawn["series"] == "England").sum() == series["england_value"].notna().sum()
    # every value of both series is a point in the SVG, with its series, period and value as hover text
    expected = with_value[with_value["title"].isin(expected_titles)]
    expected_points = len(expected) + int(expected["england_value"].notna().sum())
    svg, _ = _figure(path.read_text(encoding="utf-8"), "trend-chart")
    points = [dot for dots in _with_class(svg, "path", "points") for dot in _dots(dots)]
    assert len(points) == expected_points == context["chart_counts"]["trend-chart"]["points"]
    # each series is one group whose hover text lists its every period and value, in order, with one point each
    own_points = {
        group: [child for child in group if child.tag == f"{SVG}path" and child.get("class") == "points"]
        for group in svg.iter(f"{SVG}g")
    }
    groups = [g for g, paths in own_points.items() if paths]
    assert sum(len(_dots(path)) for g in groups for path in own_points[g]) == len(points)
    listed = {}
    for group in groups:
        name, _, values = _title(group).partition(": ")
        (dots,) = own_points[group]
        assert len(_dots(dots)) == len(values.split("; ")), _title(group)
        listed.setdefault(name, []).extend(values.split("; "))
    for name in ("This ICB", "England"):
        drawn = trends[trends["series"] == name].sort_values(["order", "period_start"])
        assert listed[name] == [f"{r.period} {r.value_text}" for r in drawn.itertuples()]
    panels = _with_class(svg, "g", "panel")
    assert len(panels) == len(expected_titles) == context["trend_count"]


def _msoas_of_icb24_from_the_snapshot(snapshot_dir: Path, icb_code: str) -> set[str]:
    """Independent of the build: the MSOAs with residents in an ICB24, by the ONS LSOA21 -> ICB24 lookup and the
    ONS naming rule (an LSOA's name less its final letter is its MSOA's name), matched to the MSOA boundary file."""
    lookup = pd.read_csv(snapshot_dir / "lookups" / "lsoa21_sicbl24_icb24_apr2024.csv")
    names = set(lookup.loc[lookup.icb24_code == icb_code, "lsoa21_name"].str[:-1])
    collection = json.loads(
        (snapshot_dir / "boundaries" / "MSOA_2021_EW_BSC_V2_geographr_simplified.geojson").read_text(encoding="utf-8")
    )
    return {f["properties"]["msoa21_code"] for f in collection["features"] if f["properties"]["msoa21_name"] in names}


def test_map_shades_every_neighbourhood_of_the_icb_and_outlines_its_places(rendered, snapshot_dir):
    pack, path, page = rendered
    context = report_context(pack)
    data = context["chart_data"]["map"]
    assert [f["code"] for f in data["this_icb"]] == [pack.code]
    # one shaded shape per MSOA with residents in the ICB (for ICB24, counted from the ONS lookup itself)
    expected_msoas = set(pack.neighbourhoods.area_code)
    if pack.vintage == "ICB24":
        assert expected_msoas == _msoas_of_icb24_from_the_snapshot(snapshot_dir, pack.code)
    assert {f["code"] for f in data["neighbourhoods"]} == expected_msoas and len(expected_msoas) > 50
    # the places outlined are the ICB's districts (the Places section's)
    assert {f["code"] for f in data["places"]} == set(pack.places[pack.places.area_type == "lad"].area_code)
    measure = pack.neighbourhood_measure
    text = page.visible_text
    assert measure["title"] in text and "England's quintiles" in text
    if pack.vintage == "ICB22":
        assert "Surrey Heartlands/Sussex border" in text

    svg, _ = _figure(path.read_text(encoding="utf-8"), "map-chart")
    groups = {g.get("class"): g for g in svg.iter(f"{SVG}g") if g.get("class")}
    shaded = [p for p in groups["neighbourhoods"].iter(f"{SVG}path")]
    outlines = list(groups["places"].iter(f"{SVG}path"))
    assert len(shaded) == len(expected_msoas)
    assert len(outlines) == len(data["places"]) > 0
    assert len(list(groups["this-icb"].iter(f"{SVG}path"))) == 1
    areas = _with_class(svg, "path", "area")
    assert len(areas) == len(shaded) + len(outlines) + 1 == context["chart_counts"]["map-chart"]["areas"]
    width, height = (float(v) for v in svg.get("viewBox").split()[2:])
    for area in shaded:
        d = area.get("d")
        assert re.fullmatch(r"(M-?\d+(\.\d)?,-?\d+(\.\d)?[lhv][-\d.,]*z)+", d), d[:80]
        x, y = (float(v) for v in re.match(r"M(-?[\d.]+),(-?[\d.]+)", d).groups())
        assert 0 <= x <= width and 0 <= y <= height
    # each neighbourhood's shade is its England band, darker for more deprived; its value is on hover and in the
    # table below the map, equal to area_indicators' figure of the MSOA
    values = dict(zip(pack.neighbourhoods.area_code, pack.neighbourhoods.value, strict=True))
    names = dict(zip(pack.neighbourhoods.area_code, pack.neighbourhoods.area_name, strict=True))
    breaks = measure["quintile_breaks"]
    shade_of = {}
    for group in groups["neighbourhoods"]:
        for area in group.iter(f"{SVG}path"):
            shade_of[_title(area).split(":")[0]] = group.get("fill")
    darkness = {}
    for code, value in values.items():
        band = 1 + sum(1 for b in breaks if value > b)
        darkness.setdefault(band, set()).add(shade_of[names[code]])
        assert f"{names[code]}: {format_value(value, measure['unit'])}" in [_title(a) for a in shaded]
    assert all(len(shades) == 1 for shades in darkness.values())
    ordered = [next(iter(darkness[band])) for band in sorted(darkness)]
    lightness = [sum(int(shade[i : i + 2], 16) for i in (1, 3, 5)) for shade in ordered]
    assert lightness == sorted(lightness, reverse=True) and len(set(lightness)) == len(lightness)


def test_map_values_are_the_msoas_published_figures(release, built_warehouse):
    pack = release.pack(*PACKS[2])
    measure = pack.neighbourhood_measure
    with duckdb.connect(str(built_warehouse / "releases" / "latest" / "ics_baseline.duckdb"), read_only=True) as con:
        published = dict(
            con.execute(
                "select area_code, value from area_indicators where area_type = 'msoa' and indicator_id = ?"
                " and period = ?",
                [measure["indicator_id"], measure["period"]],
            ).fetchall()
        )
        every = [v for v in published.values() if v is not None]
    assert len(every) == measure["msoas_with_value"] > 6000
    for row in pack.neighbourhoods.itertuples():
        assert row.value == pytest.approx(published[row.area_code], rel=1e-12)
    # the breaks are England's quintiles (ties merged), from every MSOA's figure
    assert measure["quintile_breaks"] == sorted(set(np.quantile(every, [0.2, 0.4, 0.6, 0.8]).tolist()))


def test_places_section_sets_every_place_beside_england_with_its_verdict(rendered):
    pack, path, page = rendered
    places = report_context(pack)["places"]
    assert places["present"]
    text = page.visible_text
    for place in places["places"]:
        assert place["name"] in text
    html = path.read_text(encoding="utf-8")
    section = re.search(r'<section id="places".*?</section>', html, re.S).group(0)
    table = re.search(r'<table class="pl">.*?</table>', section, re.S).group(0)
    body = table.split("<tbody>")[1]
    rows = [r for r in body.split("<tr>")[1:]]
    shown = [row for group in places["groups"] for row in group["rows"]]
    assert len(rows) == len(shown) > 20
    # one cell per place, after the indicator, England and the ICB, and the reasons last
    columns = len(places["places"]) + 3
    for row, expected in zip(rows, shown, strict=True):
        assert row.count("<td") == columns, expected["title"]
    figures = pack.place_figures.dropna(subset=["value"])
    verdicts = figures.significance_95.dropna()
    if not verdicts.empty:  # each verdict drawn is one of the place's own (class b, s or w)
        for key, cls in (("better", "b"), ("similar", "s"), ("worse", "w")):
            assert (f"class={cls}>" in table) == any(
                cell.significance == key
                for row in places_view(pack).rows
                for cell in row.cells.values()
                if cell.value is not None
            )


def test_names_and_caveats_are_escaped(release, tmp_path):
    pack = release.pack(*PACKS[0])
    hostile = "<script>alert('x')</script> & <b>Sons</b>"
    latest = pack.latest.copy()
    latest.loc[latest.index[0], "caveats"] = hostile
    tampered = dataclasses.replace(pack, icb={**pack.icb, "icb_name": hostile}, latest=latest)
    html = render_icb_report(tampered, tmp_path / "report.html").read_text(encoding="utf-8")
    assert "<script>alert(" not in html
    assert "<b>Sons</b>" not in html
    assert "&lt;script&gt;alert(" in html
    page = _Page()
    page.feed(html)
    assert hostile in page.visible_text
    assert page.scripts == 0


def test_xml_special_characters_in_chart_names_are_escaped(release, tmp_path):
    """An indicator title, a district's and a neighbourhood's name and the ICB's own name with '&', '<' and
    quotes: every chart is still well-formed XML and shows the names as text, on the marks and in the titles."""
    pack = release.pack(*PACKS[2])
    odd = "R&D <\"spend\"> & 'costs'"
    context = report_context(pack)
    spine_title = context["chart_data"]["spine"][0]["title"]
    trend_title = context["chart_data"]["trends"][0]["title"]
    district = context["chart_data"]["map"]["places"][0]["code"]

    def rename(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame.copy()
        frame["title"] = frame["title"].replace({spine_title: f"{odd} 1", trend_title: f"{odd} 2"})
        return frame

    boundaries = pack.boundaries.copy()
    boundaries.loc[boundaries.area_code == district, "area_name"] = f"{odd} district"
    tampered = dataclasses.replace(
        pack,
        icb={**pack.icb, "icb_name": f"{odd} ICB"},
        latest=rename(pack.latest),
        comparisons=rename(pack.comparisons),
        boundaries=boundaries,
        neighbourhoods=pack.neighbourhoods.assign(area_name=[f"{odd} 001", *pack.neighbourhoods.area_name[1:]]),
    )
    html = render_icb_report(tampered, tmp_path / "odd.html").read_text(encoding="utf-8")
    assert 'R&D <"spend">' not in html
    svgs = {chart_id: _figure(html, chart_id)[0] for chart_id in CHART_IDS}
    markers = _with_class(svgs["spine-chart"], "*", "marker")
    assert sum(_title(marker).startswith(f"{odd} 1 (") for marker in markers) == 1
    spine_labels = [e.text for e in svgs["spine-chart"].iter(f"{SVG}text")]
    assert any(label and label.startswith(odd[:10]) for label in spine_labels)
    trend_text = " ".join(e.text or "" for e in svgs["trend-chart"].iter(f"{SVG}tspan"))
    assert 'R&D <"spend">' in trend_text
    assert f"{odd} district" in [_title(a) for a in _with_class(svgs["map-chart"], "path", "area")]
    assert f"This ICB: {odd} ICB" in [_title(a) for a in _with_class(svgs["map-chart"], "path", "area")]
    assert svgs["map-chart"].find(f"{SVG}title").text.startswith(f"Neighbourhoods of {odd} ICB")
    assert any(_title(a).startswith(f"{odd} 001: ") for a in _with_class(svgs["map-chart"], "path", "area"))


def test_svg_builders_escape_and_simplify_without_a_release():
    """The chart builders on synthetic rows: names with XML specials parse back exactly; a fine ring is cut to a
    few whole-pixel vertices that stay within the tolerance of the original outline."""
    row = {
        "domain": "a & b",
        "title": '<x> & "y"',
        "period": "2024",
        "value_text": "1 < 2",
        "england_text": "3 > 2",
        "range_text": "0 to 4 (42 ICBs)",
        "significance_label": "Better",
        "polarity_text": "Higher is better",
        "x_min": 0.0,
        "x_q1": 0.3,
        "x_q3": 0.7,
        "x_max": 1.0,
        "x_value": 0.8,
    }
    svg = ET.fromstring(svg_charts.spine_svg([row], SIGNIFICANCE, "T & <t>", "D"))
    assert svg.find(f"{SVG}title").text == "T & <t>"
    (marker,) = _with_class(svg, "*", "marker")
    assert _title(marker).startswith('<x> & "y" (2024): this ICB 1 < 2, England 3 > 2')
    assert "1 < 2" in [e.text for e in svg.iter(f"{SVG}text")]

    # a circle of 2,000 vertices, 100 px across: simplified to far fewer, none off the circle by over 1.5 px (the
    # 1 px tolerance plus rounding to whole pixels); a chord within 1 px of a 50 px radius spans at most 2*acos(0.98),
    # so at least 16 vertices remain
    angles = [2 * math.pi * i / 2000 for i in range(2001)]
    ring = [[round(math.cos(a), 6), round(math.sin(a), 6)] for a in angles]
    projection = svg_charts.Projection((-1.0, -1.0, 1.0, 1.0), 104, 104)
    d = svg_charts.area_path(json.dumps({"type": "Polygon", "coordinates": [ring]}), projection)
    numbers = [int(v) for v in re.findall(r"-?\d+", d)]
    x, y = numbers[0], numbers[1]
    vertices = [(x, y)]
    for dx, dy in zip(numbers[2::2], numbers[3::2], strict=True):
        x, y = x + dx, y + dy
        vertices.append((x, y))
    assert 16 <= len(vertices) < 200
    (cx, cy), radius = projection(np.array([[0.0, 0.0]]))[0], projection.scale
    assert max(abs(math.hypot(vx - cx, vy - cy) - radius) for vx, vy in vertices) < 1.5


def test_peers_are_listed_when_present_and_their_absence_is_said(release, tmp_path):
    pack = release.pack(*PACKS[0])
    if pack.peers.empty:
        html = render_icb_report(pack, tmp_path / "no-peers.html").read_text(encoding="utf-8")
        assert "No peer group is available" in html
    others = release.icbs[(release.icbs.icb_vintage == pack.vintage) & (release.icbs.icb_code != pack.code)].head(3)
    peers = pd.DataFrame(
        {
            "icb_code": pack.code,
            "icb_vintage": pack.vintage,
            "peer_rank": [1, 2, 3],
            "peer_icb_code": list(others.icb_code),
            "peer_icb_name": list(others.icb_name),
            "distance": [0.12, 0.34, 0.56],
        }
    )
    with_peers = dataclasses.replace(pack, peers=peers)
    path = render_icb_report(with_peers, tmp_path / "peers.html")
    text = _parse(path).visible_text
    assert "No peer group is available" not in text
    for name in others.icb_name:
        assert name in text
    assert "0.340" in text

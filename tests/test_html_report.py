"""The HTML report of one ICB, rendered from a real release built from the snapshot.

Checks what the page must contain and that it needs no network; the browser test (test_report_browser.py)
checks that the charts actually draw.
"""

from __future__ import annotations

import dataclasses
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from pipelines.packs.data import OGL_ATTRIBUTION, VINTAGE_LABELS, ReleaseData
from pipelines.packs.html_report import SIGNIFICANCE, TREND_MIN_PERIODS, render_icb_report

pytestmark = pytest.mark.e2e

# ICB26: the merged Surrey and Sussex ICB (a new code); ICB22: Surrey Heartlands under its pre-2023 code, which
# has no boundary of its own (drawn with the April 2023 boundary sharing most of its LSOAs).
# ICB24: Cheshire and Merseyside, whose latest figures include both better and worse verdicts (the Surrey ICBs,
# compared honestly, have none worse), so the spine chart's two sides are both exercised.
PACKS = [("E54000069", "ICB26"), ("E54000052", "ICB22"), ("E54000008", "ICB24")]


class _Page(HTMLParser):
    """Visible text, external resource references and the chart specs of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.external: list[str] = []
        self.scripts_with_src: list[str] = []
        self.links: list[str] = []
        self._in: str | None = None
        self._script_id: str | None = None
        self.specs_json = ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script":
            self._in = "script"
            self._script_id = attrs.get("id")
            if attrs.get("src"):
                self.scripts_with_src.append(attrs["src"])
        elif tag == "style":
            self._in = "style"
        if tag == "link":
            self.links.append(attrs.get("href") or "")
        for name in ("src", "srcset", "data", "poster"):
            value = attrs.get(name) or ""
            if re.match(r"\s*(https?:)?//", value):
                self.external.append(f"{tag} {name}={value}")

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._in = None
            self._script_id = None

    def handle_data(self, data):
        if self._in == "script":
            if self._script_id == "chart-specs":
                self.specs_json += data
        elif self._in == "style":
            if re.search(r"url\(\s*['\"]?(https?:)?//", data) or "@import" in data:
                self.external.append("css url()")
        else:
            self.text.append(data)

    @property
    def visible_text(self) -> str:
        return re.sub(r"\s+", " ", " ".join(self.text))


def _parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


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


def test_one_self_contained_file_named_from_the_pack(rendered):
    pack, path, page = rendered
    assert path.name == f"{pack.file_stem}.html"
    assert [p.name for p in path.parent.iterdir()] == [path.name]
    assert page.scripts_with_src == []
    assert page.links == []
    assert page.external == []
    html = path.read_text(encoding="utf-8")
    assert not re.search(r"<(script|link|img|iframe)[^>]+(src|href)\s*=\s*['\"]?(https?:)?//", html, re.I)
    assert "vegaEmbed" in html
    assert path.stat().st_size < 3_000_000


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
    pack, _, page = rendered
    spine = json.loads(page.specs_json)["spine-chart"]["datasets"]["spine"]
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


def test_trend_panels_carry_every_period_of_the_icb_and_england(rendered):
    pack, _, page = rendered
    trends = pd.DataFrame(json.loads(page.specs_json)["trend-chart"]["datasets"]["trends"])
    with_value = pack.comparisons[pack.comparisons["value"].notna()]
    periods = with_value.groupby("title")["period"].nunique()
    expected_titles = set(periods[periods >= TREND_MIN_PERIODS].index)
    assert set(trends["title"]) == expected_titles
    for title in list(expected_titles)[:10]:
        series = with_value[with_value["title"] == title]
        drawn = trends[(trends["title"] == title)]
        assert (drawn["series"] == "This ICB").sum() == len(series)
        assert (drawn["series"] == "England").sum() == series["england_value"].notna().sum()


def test_map_draws_the_icb_in_its_region_from_the_release_boundaries(rendered):
    pack, _, page = rendered
    spec = json.loads(page.specs_json)["map-chart"]
    data = spec["datasets"]
    assert [f["properties"]["code"] for f in data["this_icb"]] == [pack.code]
    assert all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for group in data.values() for f in group)
    boundaries = pack.boundaries
    region = pack.icb["nhs_region_code"]
    in_region = boundaries[(boundaries.nhs_region_code == region) & (boundaries.icb_vintage == pack.vintage)]
    assert len(data["districts"]) == (in_region.area_type == "lad").sum() > 0
    assert len(data["region"]) == 1
    expected_icbs = set(in_region[in_region.area_type == "icb"].area_code) - {pack.code}
    assert {f["properties"]["code"] for f in data["other_icbs"]} == expected_icbs
    # the pack's own vintage only: an ICB26 map has no abolished ICB24 codes, an ICB22 map keeps E54000052
    icbs_of_vintage = set(pack.boundaries[pack.boundaries.area_type == "icb"].area_code)
    assert pack.code in icbs_of_vintage
    text = page.visible_text
    assert "LSOA" in text and "not in this release" in text
    if pack.vintage == "ICB22":
        assert "Surrey Heartlands/Sussex border" in text


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

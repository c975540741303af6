"""End to end in headless Chromium: a report from a real release opens offline, without console errors, and
draws every chart (spine markers, trend points, map shapes). Screenshots go to tests/output/ (gitignored)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.packs.data import ReleaseData
from pipelines.packs.html_report import render_icb_report, report_context
from tests.browser import find_chromium, render_in_chromium

pytestmark = pytest.mark.e2e

OUTPUT_DIR = Path(__file__).resolve().parent / "output"
PACKS = [("E54000069", "ICB26"), ("E54000052", "ICB22")]
LOCAL_SCHEMES = ("file://", "data:", "about:", "blob:")


@pytest.fixture(scope="module")
def chromium() -> str:
    binary = find_chromium(install=True)
    if binary is None:
        pytest.skip("Chromium is not installed and `apt-get install -y chromium` was not possible here")
    return binary


@pytest.fixture(scope="module")
def release(built_warehouse) -> ReleaseData:
    return ReleaseData(built_warehouse / "releases" / "latest")


@pytest.mark.parametrize(("code", "vintage"), PACKS, ids=[f"{c}-{v}" for c, v in PACKS])
def test_report_renders_offline_in_chromium(chromium, release, tmp_path, code, vintage):
    pack = release.pack(code, vintage)
    path = render_icb_report(pack, tmp_path)
    context = report_context(pack)
    screenshot = OUTPUT_DIR / f"{pack.file_stem}.png"

    result = render_in_chromium(path, screenshot, chromium=chromium)

    assert result["console_errors"] == []
    assert result["requests"], "the page load itself should be recorded"
    assert [url for url in result["requests"] if not url.startswith(LOCAL_SCHEMES)] == []
    assert result["state"] == "true"
    assert pack.name in result["title"]
    charts = result["charts"]
    assert set(charts) == {"spine-chart", "trend-chart", "map-chart"}
    for name, drawn in charts.items():
        assert drawn["rendered"], name
        assert drawn["svg"] == 1, name

    # one ICB marker per indicator on the spine chart, one point per value on the trend lines
    spine_rows = context["specs"]["spine-chart"]["datasets"]["spine"]
    assert charts["spine-chart"]["symbols"] == len(spine_rows) == context["spine_count"]
    trend_rows = context["specs"]["trend-chart"]["datasets"]["trends"]
    assert charts["trend-chart"]["symbols"] == len(trend_rows)
    assert charts["trend-chart"]["mark_paths_with_geometry"] > len(trend_rows)

    # the map: every district, the region's ICBs, the region and this ICB, each a non-empty shape
    map_data = context["specs"]["map-chart"]["datasets"]
    shapes = sum(len(features) for features in map_data.values())
    assert charts["map-chart"]["geoshapes"] == shapes
    assert charts["map-chart"]["geoshapes_with_geometry"] == shapes
    assert screenshot.is_file() and screenshot.stat().st_size > 50_000


@pytest.mark.parametrize("page", ["index.html", "data-quality.html"])
def test_release_index_and_quality_pages_render_offline_in_chromium(chromium, built_warehouse, page):
    release = (built_warehouse / "releases" / "latest").resolve()
    screenshot = OUTPUT_DIR / f"release-{page.replace('.html', '')}.png"

    result = render_in_chromium(release / page, screenshot, chromium=chromium)

    assert result["console_errors"] == []
    assert [url for url in result["requests"] if not url.startswith(LOCAL_SCHEMES)] == []
    assert result["state"] == "true"
    assert "ICS Baseline" in result["title"] or "release" in result["title"].lower()
    assert screenshot.is_file() and screenshot.stat().st_size > 20_000

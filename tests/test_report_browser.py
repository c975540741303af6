"""In headless Chromium, driven by Selenium: a report from a real release opens offline, without console errors,
and draws every chart (spine markers, trend points, map areas) as inline SVG, with JavaScript on and with it off.

The browser is Debian's Chromium and its chromedriver (/usr/bin/chromium, /usr/bin/chromedriver), installed by
`.ci/install_chromium` (which .ci/run and the README's test command call); these tests never install anything, and
Selenium is handed the driver's path, so Selenium Manager never runs and nothing is downloaded. Under CI (the `CI`
variable set) a missing browser fails the tests; elsewhere they skip, naming the install script.

The report tests check the chart contract of the SVG report: inside `#spine-chart` each ICB marker is an SVG element
of class `marker`, inside `#trend-chart` each plotted value is a subpath (`M`) of a `path.points`, inside `#map-chart`
each area is a
`path.area` with a non-empty `d`; each of the three `figure.chart` elements holds exactly one `svg` with a non-zero
rendered size; the numbers of those elements equal `report_context(pack)["chart_counts"]`; the page has no
`<script>`. The fixture tests prove on hand-made pages that every check here can fail, and need no build.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.support.ui import WebDriverWait

from pipelines.packs.data import ReleaseData
from pipelines.packs.html_report import render_icb_report, report_context

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox will not start
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-default-apps",
    "--disable-extensions",
    "--disable-sync",
    "--hide-scrollbars",
    "--mute-audio",
    "--window-size=1280,1000",
)
# Chrome's content setting that blocks every page script (what a user or an administrator can switch off).
JAVASCRIPT_BLOCKED = {"profile.managed_default_content_settings.javascript": 2}
LOCAL_SCHEMES = ("file:", "data:", "about:", "blob:")
CHARTS = {"spine-chart": "markers", "trend-chart": "points", "map-chart": "areas"}
PACKS = [("E54000069", "ICB26"), ("E54000052", "ICB22")]

# What each chart figure drew, read from the DOM (works with page scripts blocked: WebDriver's own scripts still run).
# `visible` elements are rendered, not hidden by CSS (display, visibility, opacity) and take up space on the page.
INSPECT_SCRIPT = """
const visible = (el) => {
  const box = el.getBoundingClientRect();
  return el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true}) && box.width + box.height > 0;
};
const count = (els) => ({all: els.length, visible: els.filter(visible).length});
const charts = {};
document.querySelectorAll('figure.chart').forEach((figure) => {
  const svgs = Array.from(figure.querySelectorAll('svg'));
  const box = svgs.length ? svgs[0].getBoundingClientRect() : {width: 0, height: 0};
  const svgOnly = (els) => els.filter((el) => el instanceof SVGElement && el.ownerSVGElement !== null);
  charts[figure.id] = {
    svg: svgs.length,
    svg_visible: svgs.length > 0 && visible(svgs[0]),
    width: box.width,
    height: box.height,
    markers: count(svgOnly(Array.from(figure.querySelectorAll('.marker')))),
    // one dot per zero-length subpath of each points path; a path not rendered draws none of its dots
    points: svgOnly(Array.from(figure.querySelectorAll('path.points'))).reduce((sum, p) => {
      const dots = ((p.getAttribute('d') || '').match(/M/g) || []).length;
      return {all: sum.all + dots, visible: sum.visible + (visible(p) ? dots : 0)};
    }, {all: 0, visible: 0}),
    areas: count(svgOnly(Array.from(figure.querySelectorAll('path.area')))
      .filter((p) => (p.getAttribute('d') || '').trim().length > 0)),
  };
});
return {
  title: document.title,
  scripts: document.querySelectorAll('script').length,
  charts: charts,
  text_length: document.body ? document.body.innerText.trim().length : 0,
};
"""


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _require_browser() -> None:
    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not path.is_file()]
    if not missing:
        return
    reason = f"{' and '.join(missing)} missing: run .ci/install_chromium (Debian's chromium and chromium-driver)"
    if _in_ci():
        pytest.fail(f"CI needs the browser tests: {reason}")
    pytest.skip(reason)


def _start_chromium(*, javascript: bool) -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    # console messages, and every DevTools event (for the requests the page made)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    if not javascript:
        options.add_experimental_option("prefs", JAVASCRIPT_BLOCKED)
    # The driver's path given, Selenium skips Selenium Manager; SE_OFFLINE forbids it downloading even if it ran.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SE_OFFLINE", "true")
        return webdriver.Chrome(options=options, service=Service(executable_path=str(CHROMEDRIVER)))


def _module_browser(javascript: bool) -> Iterator[webdriver.Chrome]:
    _require_browser()
    driver = _start_chromium(javascript=javascript)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def chromium() -> Iterator[webdriver.Chrome]:
    """One browser (JavaScript on) for the whole module: starting Chromium costs about a second."""
    yield from _module_browser(javascript=True)


@pytest.fixture(scope="module")
def chromium_without_javascript() -> Iterator[webdriver.Chrome]:
    yield from _module_browser(javascript=False)


# Pixels of a PNG screenshot, read through a canvas in a JavaScript-enabled browser (a page with scripts blocked
# never fires the image's load event). `ink` is the share of pixels unlike the commonest colour, the background.
PIXELS_SCRIPT = """
const [data, done] = arguments;
const image = new Image();
image.onload = () => {
  const canvas = document.createElement('canvas');
  canvas.width = image.width;
  canvas.height = image.height;
  const context = canvas.getContext('2d');
  context.drawImage(image, 0, 0);
  const px = context.getImageData(0, 0, image.width, image.height).data;
  // every pixel of a chart; a sample of one pixel in step x step of a large page (fast enough, same verdict)
  const step = Math.max(1, Math.floor(Math.sqrt(image.width * image.height / 1000000)));
  const counts = new Map();
  let total = 0;
  for (let y = 0; y < image.height; y += step) {
    for (let x = 0; x < image.width; x += step) {
      const i = 4 * (y * image.width + x);
      const colour = (px[i] << 16) | (px[i + 1] << 8) | px[i + 2];
      counts.set(colour, (counts.get(colour) || 0) + 1);
      total += 1;
    }
  }
  const background = Math.max(...counts.values());
  done({width: image.width, height: image.height, colours: counts.size, ink: (total - background) / total});
};
image.onerror = () => done({error: 'not a decodable image'});
image.src = 'data:image/png;base64,' + data;
"""


@dataclass
class Pixels:
    width: int
    height: int
    colours: int
    ink: float  # share of pixels that are not the background colour

    @property
    def drawn(self) -> bool:
        """Something is drawn: at least 0.1% of the pixels, in at least 3 colours (an empty chart is one colour;
        the fixture's sparsest chart, five points on a line, inks 1.2%)."""
        return self.ink >= 0.001 and self.colours >= 3


def read_pixels(javascript_browser: webdriver.Chrome, png_base64: str) -> Pixels:
    javascript_browser.get("about:blank")
    result = javascript_browser.execute_async_script(PIXELS_SCRIPT, png_base64)
    assert "error" not in result, result
    return Pixels(**result)


@dataclass
class PageLoad:
    console_errors: list[str]
    requests: list[str]
    title: str
    scripts: int
    charts: dict[str, dict[str, Any]]
    text_length: int
    screenshot: Path | None = None
    screenshot_pixels: Pixels | None = None
    chart_pixels: dict[str, Pixels] = field(default_factory=dict)

    @property
    def remote_requests(self) -> list[str]:
        return [url for url in self.requests if not url.startswith(LOCAL_SCHEMES)]


def _requests(driver: webdriver.Chrome) -> list[str]:
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


# The page's screenshot is cut at this size: a 3600 x 16000 px capture of the data-quality page takes 7 s to take
# and 4 s to read, while each chart is photographed whole on its own anyway (1280 x 5000: about 1.5 s).
SCREENSHOT_MAX = {"width": 1280, "height": 5000}


def _full_page_screenshot(driver: webdriver.Chrome) -> str:
    """The page from its top, below the window's fold too, up to SCREENSHOT_MAX."""
    size = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
    clip = {"x": 0, "y": 0, "scale": 1, **{key: min(size[key], SCREENSHOT_MAX[key]) for key in SCREENSHOT_MAX}}
    return driver.execute_cdp_cmd(
        "Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True, "clip": clip}
    )["data"]


def open_page(
    driver: webdriver.Chrome,
    url: str,
    *,
    pixel_reader: webdriver.Chrome,
    screenshot: Path | None = None,
    settle: Callable[[], None] | None = None,
) -> PageLoad:
    """Load `url` in `driver` (waiting for its load event), then read what the page logged, requested and drew.

    Each chart figure is photographed, and so is the whole page when `screenshot` names a file; `pixel_reader`
    (a JavaScript-enabled browser, possibly `driver` itself) then counts their pixels.
    """
    for log in ("browser", "performance"):  # drop whatever the previous page left
        driver.get_log(log)
    driver.get(url)
    # get() normally returns after the load event; wait for it explicitly all the same, so a large report (the
    # neighbourhood map and places come last) is never inspected half parsed
    WebDriverWait(driver, 30).until(lambda d: d.execute_script("return document.readyState") == "complete")
    if settle is not None:
        settle()
    inspected = driver.execute_script(INSPECT_SCRIPT)
    chart_shots = {
        chart_id: driver.find_element("id", chart_id).screenshot_as_base64 for chart_id in inspected["charts"]
    }
    page_shot = _full_page_screenshot(driver) if screenshot is not None else None
    console_errors = [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
    requests = _requests(driver)
    page = PageLoad(
        console_errors=console_errors,
        requests=requests,
        title=inspected["title"],
        scripts=inspected["scripts"],
        charts=inspected["charts"],
        text_length=inspected["text_length"],
        chart_pixels={chart_id: read_pixels(pixel_reader, shot) for chart_id, shot in chart_shots.items()},
    )
    if screenshot is not None:
        screenshot.write_bytes(base64.b64decode(page_shot))
        page.screenshot = screenshot
        page.screenshot_pixels = read_pixels(pixel_reader, page_shot)
    return page


def chart_problems(page: PageLoad, expected: dict[str, dict[str, int]]) -> list[str]:
    """Every way the page breaks the chart contract; [] when it keeps it. `expected` is chart_counts."""
    problems = []
    if page.scripts:
        problems.append(f"{page.scripts} <script> element(s)")
    if set(page.charts) != set(CHARTS):
        problems.append(f"figure.chart ids {sorted(page.charts)} != {sorted(CHARTS)}")
    if set(expected) != set(CHARTS):
        problems.append(f"chart_counts keys {sorted(expected)} != {sorted(CHARTS)}")
    for chart_id, kind in CHARTS.items():
        drawn = page.charts.get(chart_id)
        if drawn is None:
            continue
        if drawn["svg"] != 1:
            problems.append(f"{chart_id}: {drawn['svg']} svg elements, not 1")
        if not (drawn["width"] > 0 and drawn["height"] > 0 and drawn["svg_visible"]):
            problems.append(f"{chart_id}: svg not visible ({drawn['width']}x{drawn['height']})")
        want = expected.get(chart_id, {}).get(kind)
        if not want:
            problems.append(f"{chart_id}: chart_counts has no positive {kind} ({want})")
        if drawn[kind]["all"] != want:
            problems.append(f"{chart_id}: {drawn[kind]['all']} {kind} drawn, chart_counts says {want}")
        if drawn[kind]["visible"] != drawn[kind]["all"]:
            problems.append(f"{chart_id}: only {drawn[kind]['visible']} of {drawn[kind]['all']} {kind} visible")
        pixels = page.chart_pixels[chart_id]
        if not pixels.drawn:
            problems.append(f"{chart_id}: blank on screen ({pixels.colours} colours, ink {pixels.ink:.4f})")
    return problems


# ---------------------------------------------------------------------------------------------------------------
# Hand-made pages: prove the driver and every check above on pages whose truth is known. No build needed.

FIXTURE_COUNTS = {"spine-chart": {"markers": 3}, "trend-chart": {"points": 5}, "map-chart": {"areas": 4}}
FIXTURE_ICB = "NHS Fixture Integrated Care Board"


def _svg_charts(counts: dict[str, dict[str, int]], svg_style: str = "") -> str:
    markers = counts["spine-chart"]["markers"]
    points = counts["trend-chart"]["points"]
    areas = counts["map-chart"]["areas"]
    spine = "".join(
        f'<rect x="0" y="{10 + 40 * i}" width="1200" height="20" fill="#ddd"/>'
        f'<circle class="marker" cx="{200 + 300 * i}" cy="{20 + 40 * i}" r="9" fill="#005eb8"/>'
        for i in range(markers)
    )
    trend = '<polyline fill="none" stroke="#005eb8" stroke-width="3" points="{}"/>'.format(
        " ".join(f"{50 + 250 * i},{250 - 40 * i}" for i in range(points))
    ) + '<path class="points" stroke="#d5281b" stroke-width="12" stroke-linecap="round" d="{}"/>'.format(
        "".join(f"M{50 + 250 * i},{250 - 40 * i}h0" for i in range(points))
    )
    colours = ["#41b6e6", "#007f3b", "#ffb81c", "#768692", "#330072"]
    mapped = "".join(
        f'<path class="area" d="M{20 + 280 * i},20 l250,30 l-40,220 l-200,-30 z" '
        f'fill="{colours[i % len(colours)]}" stroke="#fff"/>'
        for i in range(areas)
    )
    style = f' style="{svg_style}"' if svg_style else ""
    return (
        f'<figure class="chart" id="spine-chart"><svg width="1200" height="{40 * markers + 20}"{style}>{spine}'
        f"</svg></figure>"
        f'<figure class="chart" id="trend-chart"><svg width="1200" height="300">{trend}</svg></figure>'
        # the map below the fold of the 1000 px window: screenshots must reach it
        '<div style="height:900px"></div>'
        f'<figure class="chart" id="map-chart"><svg width="1200" height="300">{mapped}</svg></figure>'
    )


def _fixture_page(path: Path, body: str, *, head: str = "") -> str:
    path.write_text(
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{FIXTURE_ICB} baseline</title>{head}"
        f"<style>figure{{margin:0 0 20px}}</style></head><body><h1>{FIXTURE_ICB}</h1>{body}</body></html>",
        encoding="utf-8",
    )
    return path.as_uri()


def test_missing_browser_fails_under_ci_and_skips_elsewhere(monkeypatch, tmp_path):
    monkeypatch.setattr(sys.modules[__name__], "CHROMEDRIVER", tmp_path / "chromedriver")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match=r"CI needs the browser tests: .*chromedriver missing"):
        _require_browser()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match=r"chromedriver missing: run \.ci/install_chromium"):
        _require_browser()


def test_selenium_drives_debians_chromium_through_its_chromedriver(chromium):
    """The session runs the Debian binaries named here, not a driver or browser Selenium fetched for itself."""
    chromium_version = subprocess.run(
        [str(CHROMIUM), "--version"], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    driver_version = subprocess.run(
        [str(CHROMEDRIVER), "--version"], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    assert chromium.service.path == str(CHROMEDRIVER)
    assert re.fullmatch(r"\d+\.\d+\.\d+\.\d+", chromium.capabilities["browserVersion"])
    assert chromium.capabilities["browserVersion"] in chromium_version
    assert chromium.capabilities["chrome"]["chromedriverVersion"].split()[0] in driver_version


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_fixture_page_following_the_chart_contract_passes_every_check(
    chromium, chromium_without_javascript, tmp_path, javascript
):
    driver = chromium if javascript else chromium_without_javascript
    url = _fixture_page(tmp_path / "report.html", _svg_charts(FIXTURE_COUNTS))

    page = open_page(driver, url, pixel_reader=chromium, screenshot=tmp_path / "report.png")

    assert page.console_errors == []
    assert page.requests == [url]
    assert page.remote_requests == []
    assert FIXTURE_ICB in page.title
    assert chart_problems(page, FIXTURE_COUNTS) == []
    assert {chart_id: page.charts[chart_id][kind]["all"] for chart_id, kind in CHARTS.items()} == {
        chart_id: counts[CHARTS[chart_id]] for chart_id, counts in FIXTURE_COUNTS.items()
    }
    # the whole page, below the 1000 px window's fold too, saved under tmp_path
    assert page.screenshot.parent == tmp_path
    assert page.screenshot_pixels.width == 1280 and page.screenshot_pixels.height > 1000
    assert page.screenshot_pixels.drawn
    # a count that differs from the page's by one is caught
    off_by_one = {**FIXTURE_COUNTS, "trend-chart": {"points": 6}}
    assert chart_problems(page, off_by_one) == ["trend-chart: 5 points drawn, chart_counts says 6"]


def test_fixture_blank_and_hidden_charts_fail_the_checks(chromium, tmp_path):
    """Empty figures, a hidden chart and a <script> each show up as a problem."""
    empty = (
        '<figure class="chart" id="spine-chart"><svg width="1200" height="300"></svg></figure>'
        '<figure class="chart" id="trend-chart"><svg width="1200" height="300"></svg></figure>'
        '<figure class="chart" id="map-chart"><svg width="1200" height="300"></svg></figure>'
    )
    page = open_page(chromium, _fixture_page(tmp_path / "blank.html", empty), pixel_reader=chromium)
    assert page.console_errors == []
    problems = chart_problems(page, FIXTURE_COUNTS)
    for chart_id, kind in CHARTS.items():
        assert f"{chart_id}: 0 {kind} drawn, chart_counts says {FIXTURE_COUNTS[chart_id][kind]}" in problems
        assert f"{chart_id}: blank on screen (1 colours, ink 0.0000)" in problems

    hidden = _svg_charts(FIXTURE_COUNTS, svg_style="visibility:hidden") + "<script>let unused = 1;</script>"
    page = open_page(chromium, _fixture_page(tmp_path / "hidden.html", hidden), pixel_reader=chromium)
    assert chart_problems(page, FIXTURE_COUNTS) == [
        "1 <script> element(s)",
        "spine-chart: svg not visible (1200x140)",
        "spine-chart: only 0 of 3 markers visible",
        "spine-chart: blank on screen (1 colours, ink 0.0000)",
    ]


def test_fixture_charts_drawn_by_javascript_are_missing_with_javascript_off(
    chromium, chromium_without_javascript, tmp_path
):
    """The no-JavaScript browser really runs no page script: charts a script draws are there only with it on."""
    script = (
        "<div id='holder'></div><script>document.getElementById('holder').outerHTML = "
        + json.dumps(_svg_charts(FIXTURE_COUNTS))
        + ";</script>"
    )
    url = _fixture_page(tmp_path / "scripted.html", script)

    with_javascript = open_page(chromium, url, pixel_reader=chromium)
    without_javascript = open_page(chromium_without_javascript, url, pixel_reader=chromium)

    assert chart_problems(with_javascript, FIXTURE_COUNTS) == ["1 <script> element(s)"]
    assert without_javascript.charts == {}
    assert chart_problems(without_javascript, FIXTURE_COUNTS) == [
        "1 <script> element(s)",
        "figure.chart ids [] != ['map-chart', 'spine-chart', 'trend-chart']",
    ]


def test_fixture_console_errors_are_reported(chromium, tmp_path):
    body = "<script>console.error('chart failed: no data');</script><p>text</p>"
    page = open_page(chromium, _fixture_page(tmp_path / "error.html", body), pixel_reader=chromium)
    assert len(page.console_errors) == 1
    assert "chart failed: no data" in page.console_errors[0]

    body = "<script>undefinedFunction();</script><p>text</p>"
    page = open_page(chromium, _fixture_page(tmp_path / "exception.html", body), pixel_reader=chromium)
    assert any("undefinedFunction is not defined" in error for error in page.console_errors)


@contextlib.contextmanager
def _local_server() -> Iterator[tuple[int, list[str]]]:
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            seen.append(self.path)
            body = b"ok"
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], seen
    finally:
        server.shutdown()
        server.server_close()


def test_fixture_network_request_is_reported(chromium, tmp_path):
    with _local_server() as (port, seen):
        target = f"http://127.0.0.1:{port}/x"
        body = f"<script>fetch({json.dumps(target)}, {{mode: 'no-cors'}});</script><p>text</p>"

        def until_served():
            deadline = time.monotonic() + 20
            while "/x" not in seen and time.monotonic() < deadline:
                time.sleep(0.05)

        page = open_page(
            chromium, _fixture_page(tmp_path / "fetch.html", body), pixel_reader=chromium, settle=until_served
        )

    assert seen == ["/x"]  # the server's own record: the page did reach the network
    assert page.remote_requests == [target]


# ---------------------------------------------------------------------------------------------------------------
# The real reports and pages of a release built from the snapshot.


@pytest.fixture(scope="module")
def release(built_warehouse) -> ReleaseData:
    return ReleaseData(built_warehouse / "releases" / "latest")


@pytest.fixture(scope="module")
def rendered_reports(release, tmp_path_factory) -> dict[tuple[str, str], tuple[str, Any, dict]]:
    """Each pack's report rendered once for both browsers: (file URL, pack, report context)."""
    directory = tmp_path_factory.mktemp("reports")
    reports = {}
    for code, vintage in PACKS:
        pack = release.pack(code, vintage)
        reports[(code, vintage)] = (render_icb_report(pack, directory).as_uri(), pack, report_context(pack))
    return reports


@pytest.mark.e2e
@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
@pytest.mark.parametrize(("code", "vintage"), PACKS, ids=[f"{c}-{v}" for c, v in PACKS])
def test_report_renders_offline_in_chromium(
    chromium, chromium_without_javascript, rendered_reports, tmp_path, code, vintage, javascript
):
    url, pack, context = rendered_reports[(code, vintage)]
    driver = chromium if javascript else chromium_without_javascript

    page = open_page(driver, url, pixel_reader=chromium, screenshot=tmp_path / f"{pack.file_stem}.png")

    assert page.console_errors == []
    assert page.requests, "the page load itself should be recorded"
    assert page.remote_requests == []
    assert pack.name in page.title
    assert chart_problems(page, context.get("chart_counts", {})) == []
    assert page.screenshot.is_file()
    assert page.screenshot_pixels.drawn and page.screenshot_pixels.colours >= 64  # charts, text, colours


@pytest.mark.e2e
@pytest.mark.parametrize("page_name", ["index.html", "data-quality.html"])
def test_release_index_and_quality_pages_render_offline_in_chromium(chromium, built_warehouse, tmp_path, page_name):
    release = (built_warehouse / "releases" / "latest").resolve()

    page = open_page(chromium, (release / page_name).as_uri(), pixel_reader=chromium, screenshot=tmp_path / "page.png")

    assert page.console_errors == []
    assert page.requests, "the page load itself should be recorded"
    assert page.remote_requests == []
    assert "ICS Baseline" in page.title or "release" in page.title.lower()
    assert page.text_length > 1_000
    assert page.screenshot.is_file()
    assert page.screenshot_pixels.drawn and page.screenshot_pixels.colours >= 16  # at least anti-aliased text

"""Drive headless Chromium over the Chrome DevTools Protocol to check that a page renders.

`render_in_chromium(page, screenshot)` loads a page (a file path or a file:// or http://127.0.0.1 URL), waits
for its charts, and reports console errors, every request the page made, and counts of what was drawn inside each
`.chart` container, then saves a full-page screenshot. Reused by the report tests and (later) the index page test.
The system Chromium is used (Debian package `chromium`); nothing is downloaded from a browser CDN.
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from websockets.sync.client import connect

CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-extensions",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--mute-audio",
)

# What each chart container drew: SVG roots, canvases, mark paths with geometry, symbols (points) and geoshapes.
COUNT_SCRIPT = """
(() => {
  const out = {};
  document.querySelectorAll('.chart[id]').forEach((el) => {
    const paths = Array.from(el.querySelectorAll('g.role-mark path'));
    out[el.id] = {
      rendered: el.getAttribute('data-rendered') === 'true',
      svg: el.querySelectorAll('svg').length,
      canvas: el.querySelectorAll('canvas').length,
      mark_paths_with_geometry: paths.filter((p) => (p.getAttribute('d') || '').length > 2).length,
      symbols: el.querySelectorAll('g.mark-symbol.role-mark path').length,
      geoshapes: el.querySelectorAll('g.mark-shape.role-mark path').length,
      geoshapes_with_geometry: Array.from(el.querySelectorAll('g.mark-shape.role-mark path'))
        .filter((p) => (p.getAttribute('d') || '').length > 10).length,
      texts: el.querySelectorAll('g.mark-text.role-mark text').length,
    };
  });
  return JSON.stringify({
    charts: out,
    state: document.body.getAttribute('data-charts-rendered'),
    title: document.title,
    svg_total: document.querySelectorAll('svg').length,
  });
})()
"""


class BrowserUnavailableError(RuntimeError):
    pass


def find_chromium(install: bool = True) -> str | None:
    """The Chromium binary; if there is none and we may, install Debian's package (root and apt-get only)."""
    for name in CHROMIUM_CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    if Path("/usr/bin/chromium").is_file():
        return "/usr/bin/chromium"
    if not install or shutil.which("apt-get") is None or os.geteuid() != 0:
        return None
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    result = subprocess.run(
        ["apt-get", "install", "-y", "--no-install-recommends", "chromium"],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
        check=False,
    )
    if result.returncode != 0:
        subprocess.run(["apt-get", "update"], capture_output=True, env=env, timeout=600, check=False)
        subprocess.run(
            ["apt-get", "install", "-y", "--no-install-recommends", "chromium"],
            capture_output=True,
            env=env,
            timeout=900,
            check=False,
        )
    return shutil.which("chromium")


class _DevTools:
    """A flattened CDP session on one page target; events are kept for inspection."""

    def __init__(self, websocket_url: str):
        self._ws = connect(websocket_url, max_size=None, open_timeout=20)
        self._ids = itertools.count(1)
        self.events: list[dict] = []
        self.session_id: str | None = None

    def close(self) -> None:
        self._ws.close()

    def send(self, method: str, params: dict | None = None, *, session: bool = True, timeout: float = 60) -> dict:
        message_id = next(self._ids)
        message: dict[str, Any] = {"id": message_id, "method": method, "params": params or {}}
        if session and self.session_id:
            message["sessionId"] = self.session_id
        self._ws.send(json.dumps(message))
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no reply to {method} within {timeout} s")
            reply = json.loads(self._ws.recv(timeout=remaining))
            if reply.get("id") == message_id:
                if "error" in reply:
                    raise RuntimeError(f"{method} failed: {reply['error']}")
                return reply.get("result", {})
            if "method" in reply:
                self.events.append(reply)

    def wait_for_event(self, method: str, timeout: float) -> dict | None:
        for event in self.events:
            if event["method"] == method:
                return event
        deadline = time.monotonic() + timeout
        while (remaining := deadline - time.monotonic()) > 0:
            try:
                message = json.loads(self._ws.recv(timeout=remaining))
            except TimeoutError:
                return None
            if "method" in message:
                self.events.append(message)
                if message["method"] == method:
                    return message
        return None

    def evaluate(self, expression: str) -> Any:
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        return result.get("result", {}).get("value")


def _page_url(page: str | Path) -> str:
    text = str(page)
    if text.startswith(("file://", "http://127.0.0.1", "http://localhost")):
        return text
    return Path(page).resolve().as_uri()


def _console_errors(events: list[dict]) -> list[str]:
    errors = []
    for event in events:
        method, params = event["method"], event.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            errors.append(" ".join(str(arg.get("value", arg.get("description", ""))) for arg in params["args"]))
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            errors.append(details.get("exception", {}).get("description") or details.get("text", "exception"))
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            errors.append(params["entry"].get("text", "log error"))
        elif method == "Network.loadingFailed":
            errors.append(f"request failed: {params.get('errorText')}")
    return errors


def render_in_chromium(
    page: str | Path,
    screenshot_path: str | Path | None = None,
    *,
    width: int = 1280,
    timeout: float = 60,
    chromium: str | None = None,
) -> dict[str, Any]:
    """Load `page` in headless Chromium, wait for its charts and return what happened.

    Returns console_errors (console errors, uncaught exceptions, failed loads), requests (every URL requested),
    state (the page's data-charts-rendered attribute: "true" when every chart rendered), charts (per `.chart`
    container: svg, canvas, mark paths with geometry, symbols, geoshapes, texts), svg_total, title and the
    screenshot path.
    """
    binary = chromium or find_chromium()
    if binary is None:
        raise BrowserUnavailableError("Chromium is not installed and could not be installed (apt-get install chromium)")
    profile = Path(tempfile.mkdtemp(prefix="chromium-profile-"))
    # Chromium logs a lot to stderr; a file never fills up and blocks it as a pipe would.
    log_path = profile.parent / f"{profile.name}.log"
    log = log_path.open("wb")
    process = subprocess.Popen(
        [
            binary,
            *CHROMIUM_FLAGS,
            "--remote-debugging-port=0",
            "--remote-debugging-address=127.0.0.1",
            f"--user-data-dir={profile}",
            f"--window-size={width},1000",
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    devtools = None
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not (port_file.is_file() and len(port_file.read_text().splitlines()) >= 2):
            if process.poll() is not None:
                tail = log_path.read_text(errors="replace")[-2000:]
                raise BrowserUnavailableError(f"Chromium exited ({process.returncode}): {tail}")
            if time.monotonic() > deadline:
                raise BrowserUnavailableError("Chromium did not open its DevTools port within 30 s")
            time.sleep(0.05)
        port, browser_path = port_file.read_text().splitlines()[:2]
        devtools = _DevTools(f"ws://127.0.0.1:{port}{browser_path}")
        target = devtools.send("Target.createTarget", {"url": "about:blank"}, session=False)
        attached = devtools.send(
            "Target.attachToTarget", {"targetId": target["targetId"], "flatten": True}, session=False
        )
        devtools.session_id = attached["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            devtools.send(f"{domain}.enable")
        devtools.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": 1000, "deviceScaleFactor": 1, "mobile": False},
        )
        started = time.monotonic()
        devtools.send("Page.navigate", {"url": _page_url(page)})
        devtools.wait_for_event("Page.loadEventFired", timeout)
        state = None
        while time.monotonic() - started < timeout:
            state = devtools.evaluate("document.body && document.body.getAttribute('data-charts-rendered')")
            if state in ("true", "error"):
                break
            time.sleep(0.1)
        render_seconds = time.monotonic() - started
        measured = json.loads(devtools.evaluate(COUNT_SCRIPT))
        saved = None
        if screenshot_path is not None:
            metrics = devtools.send("Page.getLayoutMetrics")
            height = int(min(metrics.get("cssContentSize", metrics.get("contentSize"))["height"], 16000))
            devtools.send(
                "Emulation.setDeviceMetricsOverride",
                {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
            )
            shot = devtools.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})
            saved = Path(screenshot_path)
            saved.parent.mkdir(parents=True, exist_ok=True)
            saved.write_bytes(base64.b64decode(shot["data"]))
        requests = [
            event["params"]["request"]["url"]
            for event in devtools.events
            if event["method"] == "Network.requestWillBeSent"
        ]
        return {
            "console_errors": _console_errors(devtools.events),
            "requests": requests,
            "state": measured["state"] or state,
            "charts": measured["charts"],
            "svg_total": measured["svg_total"],
            "title": measured["title"],
            "render_seconds": round(render_seconds, 2),
            "screenshot": saved,
        }
    finally:
        if devtools is not None:
            with contextlib.suppress(TimeoutError, RuntimeError, OSError):
                devtools.send("Browser.close", session=False, timeout=5)
            devtools.close()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log.close()
        log_path.unlink(missing_ok=True)
        shutil.rmtree(profile, ignore_errors=True)

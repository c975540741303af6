"""Fault trial (bench/fault_publisher_outage.py runs it): a publisher outage in a real live build; the others still
publish, the unavailable source is marked stale.

A long fault trial (two live builds, one of them full, about 5 minutes alone), so it lives in bench/ and not in the
suite; the suite keeps the same behaviour at the asset level (tests/test_unattended.py: fallback on the last
published artefact, failure without one, bad data never falling back) and the full live build
(tests/test_live_publisher_mirror.py).

Every source is served over http from the snapshot by a local server (ICS_BASELINE_ALLOW_LOOPBACK_HTTP=1), and
the real CLI runs builds on a copy of the session's built warehouse (all sources up: published, each artefact
kept as the last good one): one source answering 503 (publishes with that source stale); then one source
unavailable without a last good artefact and another serving bad data (blocked, the previous release
byte-identical).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import openpyxl
import pytest
import yaml

from pipelines.last_good import LAST_GOOD_DIR
from tests.conftest import PROJECT_ROOT, run_live_build
from tests.http_fixtures import RecordingHTTPServer, running

pytestmark = pytest.mark.e2e

UNAVAILABLE_SOURCE = "beis_fuel_poverty_la_2010_2019"
BAD_DATA_SOURCE = "ons_lad23_utla23_lookup"
PRODUCTION_ATTEMPTS = 4


class SnapshotPublisher(RecordingHTTPServer):
    def __init__(self, snapshot_dir: Path) -> None:
        super().__init__("127.0.0.1", _Handler)
        self.snapshot_dir = snapshot_dir
        self.unavailable: set[str] = set()
        self.bad_data: set[str] = set()
        self.switch = threading.Lock()


class _Handler(BaseHTTPRequestHandler):
    server: SnapshotPublisher

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        relative = unquote(urlsplit(self.path).path).lstrip("/")
        self.server.record(self.path)
        if relative in self.server.unavailable:
            self._send(503, b"Service Unavailable")
        elif relative in self.server.bad_data:
            self._send(200, b"area,value\nE06000001,12\n")
        else:
            path = (self.server.snapshot_dir / relative).resolve()
            if path.is_relative_to(self.server.snapshot_dir) and path.is_file():
                self._send(200, path.read_bytes())
            else:
                self._send(404, b"not found")

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def publisher(snapshot_dir) -> Iterator[SnapshotPublisher]:
    with running(SnapshotPublisher(snapshot_dir)) as server:
        yield server


@pytest.fixture(scope="module")
def live_sources(publisher, tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """sources.yaml with every source a plain download of its snapshot file from the local server."""
    raw = yaml.safe_load((PROJECT_ROOT / "sources.yaml").read_text(encoding="utf-8"))
    paths = {}
    for entry in raw["sources"]:
        entry["live"] = {"url": publisher.url(quote(entry["snapshot_path"]))}
        paths[entry["id"]] = entry["snapshot_path"]
    sources_file = tmp_path_factory.mktemp("live_sources") / "sources.yaml"
    sources_file.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return sources_file, paths


def _build(sources_file: Path, warehouse: Path):
    return run_live_build(sources_file, warehouse, timeout=900)


def _digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _manifest(release: Path) -> dict:
    return json.loads((release / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def builds(publisher, live_sources, built_warehouse, tmp_path_factory) -> dict:
    """The builds, in order, on one warehouse; each step's evidence is kept for the tests.

    The first build, with every source up, is the session's snapshot build: a copy of its warehouse holds the
    release and, as after every publication, each source's artefact kept as the last good one."""
    sources_file, paths = live_sources
    warehouse = tmp_path_factory.mktemp("unattended") / "warehouse"
    shutil.copytree(built_warehouse, warehouse, symlinks=True)
    releases = warehouse / "releases"
    evidence: dict = {}
    evidence["first"] = (releases / "latest").resolve()

    publisher.unavailable = {paths[UNAVAILABLE_SOURCE]}
    hits_before = publisher.hits[f"/{paths[UNAVAILABLE_SOURCE]}"]
    second = _build(sources_file, warehouse)
    evidence["second_result"] = second
    evidence["second_attempts"] = publisher.hits[f"/{paths[UNAVAILABLE_SOURCE]}"] - hits_before
    evidence["second"] = (releases / "latest").resolve()

    # The unavailable source loses its last good artefact (as a newly registered source has none), and another
    # source now serves bad data although it has a last good artefact to fall back on.
    for path in (warehouse / "landing" / UNAVAILABLE_SOURCE / LAST_GOOD_DIR).iterdir():
        path.unlink()
    publisher.bad_data = {paths[BAD_DATA_SOURCE]}
    before = _digest(releases)
    third = _build(sources_file, warehouse)
    evidence["third_result"] = third
    evidence["releases_before_third"] = before
    evidence["releases_after_third"] = _digest(releases)
    evidence["latest_after_third"] = (releases / "latest").resolve()
    publisher.unavailable, publisher.bad_data = set(), set()
    return evidence


def test_an_unavailable_source_is_retried_then_published_stale(builds):
    second = builds["second_result"]
    assert second.returncode == 0, second.stderr[-4000:]
    assert builds["second_attempts"] == PRODUCTION_ATTEMPTS
    assert builds["second"] != builds["first"]

    first_sources = {s["source_id"]: s for s in _manifest(builds["first"])["sources"]}
    sources = {s["source_id"]: s for s in _manifest(builds["second"])["sources"]}
    assert not any(s["stale"] for s in first_sources.values())
    stale = sources[UNAVAILABLE_SOURCE]
    assert stale["stale"] is True
    assert "HTTP 503" in stale["stale_reason"]
    assert stale["last_good_retrieved_at"] == stale["retrieved_at"] == first_sources[UNAVAILABLE_SOURCE]["retrieved_at"]
    assert stale["sha256"] == first_sources[UNAVAILABLE_SOURCE]["sha256"]
    assert [s for s in sources.values() if s["stale"]] == [stale]
    # Every other source was fetched again in this build.
    assert all(
        s["retrieved_at"] > first_sources[s["source_id"]]["retrieved_at"]
        for s in sources.values()
        if s["source_id"] != UNAVAILABLE_SOURCE
    )
    assert f"note: check raw/{UNAVAILABLE_SOURCE} / fetched_fresh failed (warning)" in second.stdout


def test_the_release_pages_and_workbooks_show_the_stale_source(builds):
    release = builds["second"]
    index = (release / "index.html").read_text(encoding="utf-8")
    assert "of which 1 stale" in index and UNAVAILABLE_SOURCE in index
    quality = (release / "data-quality.html").read_text(encoding="utf-8")
    assert "stale: the publisher was unavailable" in quality and "HTTP 503" in quality
    workbook_path = next((release / "packs").rglob("*.xlsx"))
    sheet = openpyxl.load_workbook(workbook_path, read_only=True)["Data quality"]
    cells = [str(value) for row in sheet.iter_rows(values_only=True) for value in row if value is not None]
    assert any(cell.startswith(f"{UNAVAILABLE_SOURCE}: the publisher was unavailable") for cell in cells)
    first_index = (builds["first"] / "index.html").read_text(encoding="utf-8")
    assert "stale" not in first_index.split('<section id="quality">')[1].split("</section>")[0]


def test_without_a_last_good_artefact_or_with_bad_data_publication_is_blocked(builds):
    third = builds["third_result"]
    assert third.returncode == 1, third.stdout[-2000:]
    assert f"step raw__{UNAVAILABLE_SOURCE} failed" in third.stderr and "after 4 attempts" in third.stderr
    # Bad data never falls back on the last good artefact, though there is one.
    assert f"step raw__{BAD_DATA_SOURCE} failed" in third.stderr
    assert builds["latest_after_third"] == builds["second"]
    assert builds["releases_after_third"] == builds["releases_before_third"]

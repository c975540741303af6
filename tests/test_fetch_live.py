"""The live HTTP fetch layer against a real local HTTP server that serves files from the shared snapshot.

The server has fault routes (5xx, stalls, truncated and empty bodies, redirects, HTML error pages) so every
failure mode of `Fetcher` is exercised over real sockets, with tiny timeouts and a fake `sleep` for backoff.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import socket
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import urlsplit

import dagster as dg
import duckdb
import pytest
import yaml

import pipelines.fetch as fetch_module
from pipelines.fetch import Fetcher, FetchError, HttpPolicy
from pipelines.readers import SourceFormatError, read_source
from pipelines.registry import HttpFileAccess, Source, load_registry
from tests.http_fixtures import LoopbackOnlySession, RecordingHTTPServer, running

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT_DIR = (PROJECT_ROOT.parent / "shared" / "snapshot").resolve()
SOURCES_FILE = PROJECT_ROOT / "sources.yaml"

SMALL_SOURCE_ID = "ons_lad23_utla23_lookup"  # 14 kB csv
LARGE_SOURCE_ID = "derived_lsoa21_icb26_lookup"  # 4 MB csv: several 1 MiB chunks
NON_LOOPBACK_HOST = "publisher.example"  # reserved name: resolves nowhere, and must never be contacted

SERVER_STALL_SECONDS = 1.0
# The stall tests' read timeout, well under the server's stall; every other test reads with a generous timeout so a
# busy machine never turns a healthy reply into a timeout.
CLIENT_READ_TIMEOUT = 0.2
DEFAULT_READ_TIMEOUT = 30.0
BACKOFF = 0.5

HTML_ERROR_PAGE = (
    b"<!DOCTYPE html>\n<html><head><title>Service unavailable</title></head>"
    b"<body><h1>Sorry, this file is temporarily unavailable</h1></body></html>\n"
)


# -- local HTTP server --------------------------------------------------------------------------------------


class _SnapshotServer(RecordingHTTPServer):
    def __init__(self, host: str) -> None:
        super().__init__(host, _SnapshotHandler)


class _SnapshotHandler(BaseHTTPRequestHandler):
    """Serves `/<snapshot path>`; `/_<fault>/.../<snapshot path>` routes simulate publisher failures."""

    server: _SnapshotServer

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        hits = self.server.record(self.path)
        route, _, rest = path.lstrip("/").partition("/")
        if route == "_500":
            self._send(500, b"internal error", "text/plain")
        elif route == "_flaky":
            failures, _, file = rest.partition("/")
            if hits <= int(failures):
                self._send(500, b"internal error", "text/plain")
            else:
                self._send_file(file)
        elif route == "_slow":
            seconds, _, file = rest.partition("/")
            time.sleep(float(seconds))
            self._send_file(file)
        elif route == "_stall":
            seconds, _, file = rest.partition("/")
            data = self._read(file)
            self._headers(200, "text/csv", len(data))
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            time.sleep(float(seconds))
            self.wfile.write(data[len(data) // 2 :])
        elif route == "_truncate":
            data = self._read(rest)
            self._headers(200, "text/csv", len(data))
            self.wfile.write(data[: len(data) // 2])
            self.close_connection = True
        elif route == "_gzip":
            self._send(200, gzip.compress(self._read(rest)), "text/csv", {"Content-Encoding": "gzip"})
        elif route == "_redirect":
            self._redirect(f"/{rest}")
        elif route == "_redirect_host":
            netloc, _, file = rest.partition("/")
            self._redirect(f"http://{netloc}/{file}")
        elif route == "_loop":
            self._redirect(path)
        elif route == "_html":
            self._send(200, HTML_ERROR_PAGE, "text/html; charset=utf-8")
        elif route == "_empty":
            self._send(200, b"", "text/csv")
        else:
            self._send_file(path)

    def _read(self, file: str) -> bytes:
        return (SNAPSHOT_DIR / file.lstrip("/")).resolve().read_bytes()

    def _send_file(self, file: str) -> None:
        candidate = (SNAPSHOT_DIR / file.lstrip("/")).resolve()
        if not candidate.is_relative_to(SNAPSHOT_DIR) or not candidate.is_file():
            self._send(404, b"not found", "text/plain")
            return
        self._send(200, candidate.read_bytes(), "text/csv")

    def _headers(self, status: int, content_type: str, length: int, extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(length))
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()

    def _send(self, status: int, body: bytes, content_type: str, extra: dict[str, str] | None = None) -> None:
        self._headers(status, content_type, len(body), extra)
        self.wfile.write(body)

    def _redirect(self, location: str) -> None:
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()


@pytest.fixture
def server() -> Iterator[_SnapshotServer]:
    with running(_SnapshotServer("127.0.0.1")) as snapshot_server:
        yield snapshot_server


@pytest.fixture
def other_server() -> Iterator[_SnapshotServer]:
    """A second loopback host, to check that redirects off the allowlist never reach it."""
    with running(_SnapshotServer("127.0.0.2")) as snapshot_server:
        yield snapshot_server


# -- fetcher under test -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def registry():
    return load_registry(SOURCES_FILE)


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    return tmp_path / "landing"


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def session() -> Iterator[LoopbackOnlySession]:
    with LoopbackOnlySession() as recording:
        yield recording


@pytest.fixture
def live_fetcher(landing, sleeps, session) -> Callable[..., Fetcher]:
    def make(**policy_overrides: object) -> Fetcher:
        policy = {
            "allowed_hosts": frozenset({"127.0.0.1"}),
            "allow_loopback_http": True,
            "connect_timeout": 1.0,
            "read_timeout": DEFAULT_READ_TIMEOUT,
            "attempts": 4,
            "backoff_seconds": BACKOFF,
        }
        policy.update(policy_overrides)
        return Fetcher(landing, mode="live", policy=HttpPolicy(**policy), session=session, sleep=sleeps.append)

    return make


def _pointed_at(source: Source, url: str) -> Source:
    # A plain file download whatever the registry's live kind: these tests are about the shared HTTP layer.
    # Not validated, because some tests need URLs the registry refuses, to exercise the fetcher's own checks.
    return source.model_copy(update={"live": HttpFileAccess.model_construct(url=url)})


def _snapshot_file(source: Source) -> Path:
    return SNAPSHOT_DIR / source.snapshot_path


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _files_under(directory: Path) -> set[Path]:
    """Every file left behind, temp files (`.<name>.*.part`) included."""
    return {p for p in directory.rglob("*") if p.is_file()} if directory.exists() else set()


# -- success ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("source_id", [SMALL_SOURCE_ID, LARGE_SOURCE_ID])
def test_live_fetch_lands_the_served_file_with_its_sha256_and_size(
    registry, server, live_fetcher, landing, sleeps, source_id
):
    source = registry.get(source_id)
    url = server.url(source.snapshot_path)
    expected = _snapshot_file(source)

    artefact = live_fetcher().fetch(_pointed_at(source, url))

    target = landing / source.id / source.file_name
    assert artefact.path == target
    assert target.read_bytes() == expected.read_bytes()
    assert artefact.sha256 == _sha256(expected)
    assert artefact.bytes == expected.stat().st_size
    assert artefact.fetched_from == url
    assert artefact.source_url == url
    assert artefact.mode == "live"
    assert artefact.retrieved_at.tzinfo is not None
    assert _files_under(landing) == {target}
    assert server.paths == [f"/{source.snapshot_path}"]
    assert sleeps == []


def test_transient_500s_are_retried_with_exponential_backoff_then_succeed(
    registry, server, live_fetcher, landing, sleeps
):
    source = registry.get(SMALL_SOURCE_ID)
    url = server.url(f"_flaky/2/{source.snapshot_path}")

    artefact = live_fetcher(attempts=4).fetch(_pointed_at(source, url))

    assert artefact.sha256 == _sha256(_snapshot_file(source))
    assert artefact.fetched_from == url
    assert len(server.paths) == 3
    assert sleeps == [BACKOFF, 2 * BACKOFF]
    assert _files_under(landing) == {artefact.path}


def test_persistent_500_raises_fetch_error_naming_source_and_url_after_every_attempt(
    registry, server, live_fetcher, landing, sleeps
):
    source = registry.get(SMALL_SOURCE_ID)
    url = server.url(f"_500/{source.snapshot_path}")

    with pytest.raises(FetchError) as failure:
        live_fetcher(attempts=4).fetch(_pointed_at(source, url))

    message = str(failure.value)
    assert source.id in message
    assert url in message
    assert "after 4 attempts" in message
    assert "HTTP 500" in message
    assert len(server.paths) == 4
    assert sleeps == [BACKOFF, 2 * BACKOFF, 4 * BACKOFF]
    assert _files_under(landing) == set()


def test_non_retryable_status_fails_at_once(registry, server, live_fetcher, landing, sleeps):
    source = registry.get(SMALL_SOURCE_ID)
    url = server.url("lookups/no_such_file.csv")

    with pytest.raises(FetchError, match=r"HTTP 404") as failure:
        live_fetcher(attempts=4).fetch(_pointed_at(source, url))

    assert source.id in str(failure.value)
    assert len(server.paths) == 1
    assert sleeps == []
    assert _files_under(landing) == set()


@pytest.mark.parametrize("route", ["_slow", "_stall"], ids=["before-headers", "mid-body"])
def test_read_timeout_is_retried_then_raises_fetch_error(registry, server, live_fetcher, landing, sleeps, route):
    source = registry.get(SMALL_SOURCE_ID)
    url = server.url(f"{route}/{SERVER_STALL_SECONDS}/{source.snapshot_path}")

    started = time.monotonic()
    with pytest.raises(FetchError) as failure:
        live_fetcher(attempts=2, read_timeout=CLIENT_READ_TIMEOUT).fetch(_pointed_at(source, url))

    assert time.monotonic() - started < 2 * SERVER_STALL_SECONDS
    assert source.id in str(failure.value)
    assert "after 2 attempts" in str(failure.value)
    assert len(server.paths) == 2
    assert sleeps == [BACKOFF]
    assert _files_under(landing) == set()


def test_connection_refused_is_retried_then_raises_fetch_error(registry, live_fetcher, landing, sleeps):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free_port = probe.getsockname()[1]
    source = registry.get(SMALL_SOURCE_ID)
    url = f"http://127.0.0.1:{free_port}/{source.snapshot_path}"

    with pytest.raises(FetchError, match="after 3 attempts"):
        live_fetcher(attempts=3).fetch(_pointed_at(source, url))

    assert sleeps == [BACKOFF, 2 * BACKOFF]
    assert _files_under(landing) == set()


@pytest.mark.parametrize(
    ("client_enforces_length", "reason"),
    [(True, r"IncompleteRead"), (False, r"truncated body, \d+ of \d+ bytes")],
    ids=["urllib3-check", "fetcher-check"],
)
def test_truncated_body_is_retried_then_raises_and_leaves_no_partial_file(
    registry, server, live_fetcher, landing, sleeps, session, client_enforces_length, reason
):
    session.enforce_content_length = client_enforces_length
    source = registry.get(SMALL_SOURCE_ID)
    url = server.url(f"_truncate/{source.snapshot_path}")

    with pytest.raises(FetchError, match=reason) as failure:
        live_fetcher(attempts=3).fetch(_pointed_at(source, url))

    assert source.id in str(failure.value)
    assert len(server.paths) == 3
    assert sleeps == [BACKOFF, 2 * BACKOFF]
    assert _files_under(landing) == set()


def test_gzip_encoded_response_lands_the_decoded_file(registry, server, live_fetcher, landing, sleeps):
    # Content-Length counts the compressed bytes on the wire, not the decoded body; that is not truncation.
    source = registry.get(SMALL_SOURCE_ID)
    url = server.url(f"_gzip/{source.snapshot_path}")

    artefact = live_fetcher().fetch(_pointed_at(source, url))

    assert artefact.sha256 == _sha256(_snapshot_file(source))
    assert artefact.bytes == _snapshot_file(source).stat().st_size
    assert len(server.paths) == 1
    assert sleeps == []
    assert _files_under(landing) == {artefact.path}


@pytest.mark.parametrize(
    ("route", "policy", "client_enforces_length"),
    [
        ("_500/", {}, True),
        ("_truncate/", {}, True),
        ("_truncate/", {}, False),
        (f"_slow/{SERVER_STALL_SECONDS}/", {"attempts": 2, "read_timeout": CLIENT_READ_TIMEOUT}, True),
        ("_empty/", {}, True),
        ("", {"max_bytes": 1000}, True),
    ],
    ids=["http-500", "truncated", "truncated-fetcher-check", "timeout", "empty", "too-large"],
)
def test_failed_fetch_leaves_the_previously_landed_artefact_byte_identical(
    registry, server, live_fetcher, landing, session, route, policy, client_enforces_length
):
    source = registry.get(SMALL_SOURCE_ID)
    good = live_fetcher().fetch(_pointed_at(source, server.url(source.snapshot_path)))
    before = good.path.read_bytes()
    session.enforce_content_length = client_enforces_length

    with pytest.raises(FetchError):
        live_fetcher(**policy).fetch(_pointed_at(source, server.url(f"{route}{source.snapshot_path}")))

    assert good.path.read_bytes() == before
    assert _sha256(good.path) == good.sha256
    assert _files_under(landing) == {good.path}


def test_empty_body_raises_fetch_error_without_retrying(registry, server, live_fetcher, landing, sleeps):
    source = registry.get(SMALL_SOURCE_ID)
    url = server.url(f"_empty/{source.snapshot_path}")

    with pytest.raises(FetchError, match="empty") as failure:
        live_fetcher().fetch(_pointed_at(source, url))

    assert source.id in str(failure.value)
    assert len(server.paths) == 1
    assert sleeps == []
    assert _files_under(landing) == set()


def test_body_over_max_bytes_raises_fetch_error_and_leaves_no_temp_file(
    registry, server, live_fetcher, landing, sleeps
):
    source = registry.get(SMALL_SOURCE_ID)
    size = _snapshot_file(source).stat().st_size

    with pytest.raises(FetchError, match="limit") as failure:
        live_fetcher(max_bytes=size - 1).fetch(_pointed_at(source, server.url(source.snapshot_path)))

    assert source.id in str(failure.value)
    assert len(server.paths) == 1
    assert sleeps == []
    assert _files_under(landing) == set()


def test_body_of_exactly_max_bytes_is_accepted(registry, server, live_fetcher):
    source = registry.get(SMALL_SOURCE_ID)
    size = _snapshot_file(source).stat().st_size

    artefact = live_fetcher(max_bytes=size).fetch(_pointed_at(source, server.url(source.snapshot_path)))

    assert artefact.bytes == size


def test_html_error_page_served_with_200_lands_but_the_reader_rejects_it(registry, server, live_fetcher):
    source = registry.get(SMALL_SOURCE_ID)
    url = server.url(f"_html/{source.snapshot_path}")

    artefact = live_fetcher().fetch(_pointed_at(source, url))

    assert artefact.path.read_bytes() == HTML_ERROR_PAGE
    with pytest.raises(SourceFormatError, match="HTML") as failure:
        read_source(source, artefact.path)
    assert failure.value.source_id == source.id


# -- redirects ----------------------------------------------------------------------------------------------


def test_same_host_redirect_is_followed_and_the_final_url_recorded(registry, server, live_fetcher, landing):
    source = registry.get(SMALL_SOURCE_ID)
    url = server.url(f"_redirect/{source.snapshot_path}")

    artefact = live_fetcher().fetch(_pointed_at(source, url))

    assert artefact.sha256 == _sha256(_snapshot_file(source))
    assert artefact.source_url == url
    assert artefact.fetched_from == server.url(source.snapshot_path)
    assert server.paths == [f"/_redirect/{source.snapshot_path}", f"/{source.snapshot_path}"]
    assert _files_under(landing) == {artefact.path}


def test_redirect_to_a_host_outside_the_allowlist_is_refused_and_never_contacted(
    registry, server, other_server, live_fetcher, landing, session, sleeps
):
    source = registry.get(SMALL_SOURCE_ID)
    other_netloc = urlsplit(other_server.base_url).netloc
    url = server.url(f"_redirect_host/{other_netloc}/{source.snapshot_path}")

    with pytest.raises(FetchError, match=r"'127\.0\.0\.2' is not named") as failure:
        live_fetcher().fetch(_pointed_at(source, url))

    assert source.id in str(failure.value)
    assert other_server.paths == []
    assert session.urls == [url]
    assert sleeps == []
    assert _files_under(landing) == set()


def test_redirect_to_a_second_host_is_followed_once_it_is_allowlisted(registry, server, other_server, live_fetcher):
    # The control for the refusal above: the second host is reachable, so only the allowlist stopped it there.
    source = registry.get(SMALL_SOURCE_ID)
    other_netloc = urlsplit(other_server.base_url).netloc
    url = server.url(f"_redirect_host/{other_netloc}/{source.snapshot_path}")

    artefact = live_fetcher(allowed_hosts=frozenset({"127.0.0.1", "127.0.0.2"})).fetch(_pointed_at(source, url))

    assert artefact.fetched_from == other_server.url(source.snapshot_path)
    assert artefact.sha256 == _sha256(_snapshot_file(source))
    assert other_server.paths == [f"/{source.snapshot_path}"]


def test_redirect_to_plain_http_on_a_non_loopback_host_is_refused(registry, server, live_fetcher, landing, session):
    source = registry.get(SMALL_SOURCE_ID)
    url = server.url(f"_redirect_host/{NON_LOOPBACK_HOST}/{source.snapshot_path}")

    with pytest.raises(FetchError, match="only https"):
        live_fetcher(allowed_hosts=frozenset({"127.0.0.1", NON_LOOPBACK_HOST})).fetch(_pointed_at(source, url))

    assert session.urls == [url]
    assert _files_under(landing) == set()


def test_redirect_loop_stops_after_max_redirects(registry, server, live_fetcher, landing, sleeps):
    source = registry.get(SMALL_SOURCE_ID)
    url = server.url(f"_loop/{source.snapshot_path}")

    with pytest.raises(FetchError, match="more than 3 redirects"):
        live_fetcher(max_redirects=3).fetch(_pointed_at(source, url))

    assert len(server.paths) == 4
    assert sleeps == []
    assert _files_under(landing) == set()


# -- policy refusals before any request ---------------------------------------------------------------------


def test_plain_http_to_a_non_loopback_host_is_refused_before_any_request(registry, live_fetcher, landing, session):
    source = registry.get(SMALL_SOURCE_ID)
    url = f"http://{NON_LOOPBACK_HOST}/{source.snapshot_path}"

    with pytest.raises(FetchError, match="only https") as failure:
        live_fetcher(allowed_hosts=frozenset({NON_LOOPBACK_HOST})).fetch(_pointed_at(source, url))

    assert source.id in str(failure.value)
    assert url in str(failure.value)
    assert session.urls == []
    assert _files_under(landing) == set()


def test_host_not_named_in_the_policy_is_refused_before_any_request(registry, server, live_fetcher, landing, session):
    source = registry.get(SMALL_SOURCE_ID)
    url = server.url(source.snapshot_path)

    with pytest.raises(FetchError, match=r"'127\.0\.0\.1' is not named") as failure:
        live_fetcher(allowed_hosts=frozenset({NON_LOOPBACK_HOST})).fetch(_pointed_at(source, url))

    assert source.id in str(failure.value)
    assert session.urls == []
    assert server.paths == []
    assert _files_under(landing) == set()


def test_loopback_http_is_refused_unless_the_policy_allows_it(registry, server, live_fetcher, landing, session):
    source = registry.get(SMALL_SOURCE_ID)
    url = server.url(source.snapshot_path)

    with pytest.raises(FetchError, match="only https"):
        live_fetcher(allow_loopback_http=False).fetch(_pointed_at(source, url))

    assert session.urls == []
    assert server.paths == []
    assert _files_under(landing) == set()


# -- snapshot mode shares the code path ---------------------------------------------------------------------


def test_snapshot_and_live_modes_land_identical_bytes_through_one_code_path(
    registry, server, live_fetcher, tmp_path, monkeypatch
):
    streamed: list[Path] = []
    real_stream = fetch_module._stream_into_place

    def spy(chunks, target, max_bytes, describe):
        streamed.append(target)
        return real_stream(chunks, target, max_bytes, describe)

    monkeypatch.setattr(fetch_module, "_stream_into_place", spy)
    source = registry.get(SMALL_SOURCE_ID)
    snapshot_landing = tmp_path / "snapshot_landing"

    live = live_fetcher().fetch(_pointed_at(source, server.url(source.snapshot_path)))
    mirrored = Fetcher(snapshot_landing, mode="snapshot", snapshot_dir=SNAPSHOT_DIR).fetch(source)

    assert streamed == [live.path, mirrored.path]
    assert mirrored.mode == "snapshot"
    assert mirrored.fetched_from == str(_snapshot_file(source))
    assert mirrored.path == snapshot_landing / source.id / source.file_name
    assert live.path.relative_to(live.path.parents[1]) == mirrored.path.relative_to(snapshot_landing)
    assert (mirrored.sha256, mirrored.bytes) == (live.sha256, live.bytes)
    assert mirrored.sha256 == _sha256(_snapshot_file(source))
    assert mirrored.path.read_bytes() == live.path.read_bytes()


def test_live_mode_without_a_policy_is_a_configuration_error(landing):
    with pytest.raises(ValueError, match="HttpPolicy"):
        Fetcher(landing, mode="live")


# -- end to end through the Dagster raw asset ---------------------------------------------------------------


def test_live_mode_materializes_the_raw_asset_from_the_local_server(server, tmp_path, monkeypatch):
    from pipelines.defs.sources.assets import build_raw_asset
    from pipelines.settings import get_settings

    raw = yaml.safe_load(SOURCES_FILE.read_text(encoding="utf-8"))
    entry = next(s for s in raw["sources"] if s["id"] == SMALL_SOURCE_ID)
    url = server.url(entry["snapshot_path"])
    entry["live"] = {"url": url}
    raw["sources"] = [entry]
    sources_file = tmp_path / "sources.yaml"
    sources_file.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")

    monkeypatch.setenv("ICS_BASELINE_WAREHOUSE_DIR", str(tmp_path / "warehouse"))
    monkeypatch.setenv("ICS_BASELINE_SNAPSHOT_DIR", str(SNAPSHOT_DIR))
    monkeypatch.setenv("ICS_BASELINE_FETCH_MODE", "live")
    monkeypatch.setenv("ICS_BASELINE_ALLOW_LOOPBACK_HTTP", "1")
    monkeypatch.setenv("ICS_BASELINE_SOURCES_FILE", str(sources_file))
    # get_settings() exports WAREHOUSE_PATH itself; registering it here makes monkeypatch restore it.
    monkeypatch.delenv("WAREHOUSE_PATH", raising=False)

    settings = get_settings()
    registry = load_registry(settings.sources_file)
    source = registry.get(SMALL_SOURCE_ID)
    assert registry.allowed_hosts == frozenset({"127.0.0.1"})

    result = dg.materialize([build_raw_asset(source, settings, registry)], instance=dg.DagsterInstance.ephemeral())

    assert result.success
    snapshot_file = _snapshot_file(source)
    with snapshot_file.open(encoding="utf-8-sig", newline="") as handle:
        header, *rows = list(csv.reader(handle))
    assert header == ["ltla23_code", "ltla23_name", "utla23_code", "utla23_name"]
    assert server.paths == [f"/{source.snapshot_path}"]

    con = duckdb.connect(str(settings.build_database), read_only=True)
    try:
        loaded = con.execute(
            f"select lad23_code, lad23_name, utla23_code, utla23_name from {source.raw_table}"
        ).fetchall()
        provenance = con.execute(
            "select source_url, fetched_from, fetch_mode, sha256, bytes, row_count, file_name"
            " from meta.raw_artefacts where source_id = ?",
            [source.id],
        ).fetchall()
    finally:
        con.close()

    assert sorted(loaded) == sorted(tuple(row) for row in rows)
    assert provenance == [
        (
            url,
            url,
            "live",
            _sha256(snapshot_file),
            snapshot_file.stat().st_size,
            len(rows),
            source.file_name,
        )
    ]
    assert (settings.landing_dir / source.id / source.file_name).read_bytes() == snapshot_file.read_bytes()

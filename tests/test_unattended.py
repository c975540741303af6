"""Running unattended: publisher faults, the stale-source fallback of a raw asset, and the release sensors.

Everything talks to a real HTTP server on 127.0.0.1 whose behaviour per path the test sets, and which counts the
requests it gets (so retries are counted on the server side). Sensors are real Dagster sensors evaluated with
`build_sensor_context` against the full Definitions.
"""

from __future__ import annotations

import csv
import io
import json
import socket
import struct
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import unquote, urlsplit

import dagster as dg
import duckdb
import pytest

from pipelines.defs.schedules import PUBLISH_KEY, REGISTRY_KEY, build_refresh_jobs
from pipelines.defs.sensors import build_release_sensor, probe_policy
from pipelines.defs.sources.assets import FETCHED_FRESH_CHECK, build_raw_asset
from pipelines.fetch import Fetcher, FetchError, HttpPolicy, SourceUnavailableError
from pipelines.last_good import find_last_good, remember_published
from pipelines.registry import (
    ArcGisFeatureServiceAccess,
    Cadence,
    FingertipsApiAccess,
    GovUkAssetAccess,
    HttpFileAccess,
    Registry,
    Source,
    load_registry,
)
from pipelines.settings import Settings
from tests.conftest import PROJECT_ROOT, SNAPSHOT_DIR
from tests.http_fixtures import LoopbackOnlySession, RecordingHTTPServer, running

SOURCE_ID = "ons_lad23_utla23_lookup"  # 14 kB csv, annual
OTHER_SOURCE_ID = "ons_els_claimant_count"  # annual too
# The stall ("timeout") case's read timeout; every other test reads with a generous one (a busy machine must never
# turn a healthy reply into a timeout).
STALL_READ_TIMEOUT = 0.2
READ_TIMEOUT = 30.0
ATTEMPTS = 3


# -- a publisher whose every path the test scripts ----------------------------------------------------------


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    fault: str | None = None  # "reset", "stall", "truncate"


class ScriptedServer(RecordingHTTPServer):
    def __init__(self, host: str = "127.0.0.1") -> None:
        super().__init__(host, _ScriptedHandler)
        self.replies: dict[str, Reply | deque[Reply]] = {}
        self.methods: list[tuple[str, str]] = []

    def serve(self, path: str, *replies: Reply) -> str:
        """Answer `path` with `replies` in turn, the last one for good; returns its URL."""
        self.replies[path] = deque(replies) if len(replies) > 1 else replies[0]
        return self.url(path)

    def next_reply(self, path: str) -> Reply:
        with self.lock:
            reply = self.replies.get(path, Reply(404, b"not found"))
            if isinstance(reply, deque):
                return reply.popleft() if len(reply) > 1 else reply[0]
            return reply


class _ScriptedHandler(BaseHTTPRequestHandler):
    server: ScriptedServer

    def log_message(self, *args: object) -> None:
        pass

    def do_HEAD(self) -> None:
        self._answer(head=True)

    def do_GET(self) -> None:
        self._answer(head=False)

    def _answer(self, head: bool) -> None:
        path = unquote(urlsplit(self.path).path)
        self.server.record(self.path)
        with self.server.lock:
            self.server.methods.append((self.command, path))
        reply = self.server.next_reply(path)
        if reply.fault == "reset":
            # SO_LINGER 0: close() sends RST, the client sees a connection reset by peer.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
            return
        self.send_response(reply.status)
        self.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if head:
            return
        if reply.fault == "stall":
            self.wfile.write(reply.body[: len(reply.body) // 2])
            self.wfile.flush()
            time.sleep(1.0)
        elif reply.fault == "truncate":
            self.wfile.write(reply.body[: len(reply.body) // 2])
            self.close_connection = True
        else:
            self.wfile.write(reply.body)


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    with running(ScriptedServer()) as scripted:
        yield scripted


@pytest.fixture(scope="module")
def registry() -> Registry:
    return load_registry(PROJECT_ROOT / "sources.yaml")


def _snapshot_bytes(source: Source) -> bytes:
    return (SNAPSHOT_DIR / source.snapshot_path).read_bytes()


def _http_source(registry: Registry, source_id: str, url: str) -> Source:
    return registry.get(source_id).model_copy(update={"live": HttpFileAccess(url=url)})


def _policy(**overrides: object) -> HttpPolicy:
    settings = {
        "allowed_hosts": frozenset({"127.0.0.1"}),
        "allow_loopback_http": True,
        "connect_timeout": 1.0,
        "read_timeout": READ_TIMEOUT,
        "attempts": ATTEMPTS,
        "backoff_seconds": 0.01,
    }
    settings.update(overrides)
    return HttpPolicy(**settings)


# -- faults: retried, counted on the server, and only unavailability is eligible for the fallback -----------


@pytest.mark.parametrize(
    "failure",
    [
        Reply(500, b"internal error"),
        Reply(503, b"unavailable", {"Retry-After": "1"}),
        Reply(200, b"", fault="reset"),
        Reply(200, b"a,b\n" * 1000, fault="stall"),
        Reply(200, b"a,b\n" * 1000, fault="truncate"),
    ],
    ids=["500", "503", "connection-reset", "timeout", "partial-body"],
)
def test_unavailable_publisher_is_retried_then_reported_as_unavailable(registry, server, tmp_path, failure):
    source = _http_source(registry, SOURCE_ID, server.serve("/file.csv", failure))
    policy = _policy(read_timeout=STALL_READ_TIMEOUT) if failure.fault == "stall" else _policy()
    fetcher = Fetcher(tmp_path / "landing", mode="live", policy=policy, session=LoopbackOnlySession())

    with pytest.raises(SourceUnavailableError, match=f"after {ATTEMPTS} attempts"):
        fetcher.fetch(source)

    assert server.hits["/file.csv"] == ATTEMPTS
    assert not (tmp_path / "landing" / source.id / source.file_name).exists()


def test_publisher_that_recovers_within_the_retries_is_fetched(registry, server, tmp_path):
    good = _snapshot_bytes(registry.get(SOURCE_ID))
    url = server.serve("/file.csv", Reply(200, b"", fault="reset"), Reply(502, b"bad gateway"), Reply(200, good))
    fetcher = Fetcher(tmp_path / "landing", mode="live", policy=_policy(), session=LoopbackOnlySession())

    artefact = fetcher.fetch(_http_source(registry, SOURCE_ID, url))

    assert server.hits["/file.csv"] == 3
    assert artefact.path.read_bytes() == good


@pytest.mark.parametrize("status", [404, 403])
def test_a_refusal_is_not_unavailability(registry, server, tmp_path, status):
    source = _http_source(registry, SOURCE_ID, server.serve("/file.csv", Reply(status, b"no")))
    fetcher = Fetcher(tmp_path / "landing", mode="live", policy=_policy(), session=LoopbackOnlySession())

    with pytest.raises(FetchError) as raised:
        fetcher.fetch(source)

    assert not isinstance(raised.value, SourceUnavailableError)
    assert server.hits["/file.csv"] == 1


# -- the raw asset falls back on the last published artefact, and only when the publisher is unavailable ----


@pytest.fixture
def live_settings(tmp_path) -> Settings:
    return Settings(
        warehouse_dir=tmp_path / "warehouse",
        snapshot_dir=SNAPSHOT_DIR,
        fetch_mode="live",
        sources_file=PROJECT_ROOT / "sources.yaml",
        allow_loopback_http=True,
    )


def _materialize(source: Source, settings: Settings) -> dg.ExecuteInProcessResult:
    one_source = Registry(version=1, suppression_markers=["x"], sources=[source])
    return dg.materialize(
        [build_raw_asset(source, settings, one_source)], instance=dg.DagsterInstance.ephemeral(), raise_on_error=False
    )


def _provenance(settings: Settings, source_id: str) -> dict:
    con = duckdb.connect(str(settings.build_database), read_only=True)
    try:
        frame = con.execute("select * from meta.raw_artefacts where source_id = ?", [source_id]).df()
    finally:
        con.close()
    return frame.to_dict(orient="records")[0]


def _publish(settings: Settings, source_id: str) -> None:
    """What the publish step does after a release: keep the source's artefact as its last good one."""
    row = _provenance(settings, source_id)
    assert remember_published(settings.landing_dir, [{**row, "retrieved_at": row["retrieved_at"].isoformat()}])


def _fresh_check(result: dg.ExecuteInProcessResult) -> dg.AssetCheckEvaluation:
    (evaluation,) = [e for e in result.get_asset_check_evaluations() if e.check_name == FETCHED_FRESH_CHECK]
    return evaluation


def test_unavailable_publisher_falls_back_on_the_last_published_artefact(registry, server, live_settings):
    good = _snapshot_bytes(registry.get(SOURCE_ID))
    source = _http_source(registry, SOURCE_ID, server.serve("/file.csv", Reply(200, good)))
    assert _materialize(source, live_settings).success
    _publish(live_settings, SOURCE_ID)
    first = _provenance(live_settings, SOURCE_ID)
    assert not first["stale"]

    server.serve("/file.csv", Reply(503, b"down for maintenance"))
    hits_before = server.hits["/file.csv"]
    result = _materialize(source, live_settings)

    assert result.success
    assert server.hits["/file.csv"] - hits_before == 4  # the production policy's attempts
    stale = _provenance(live_settings, SOURCE_ID)
    assert stale["stale"] is True
    assert "HTTP 503" in stale["stale_reason"] and "after 4 attempts" in stale["stale_reason"]
    assert stale["sha256"] == first["sha256"]
    assert stale["retrieved_at"] == first["retrieved_at"] == stale["last_good_retrieved_at"]
    evaluation = _fresh_check(result)
    assert not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.WARN
    con = duckdb.connect(str(live_settings.build_database), read_only=True)
    try:
        rows = con.execute(f"select count(*) from {source.raw_table}").fetchall()[0][0]
    finally:
        con.close()
    assert rows == len(list(csv.reader(io.StringIO(good.decode("utf-8-sig"))))) - 1


def test_without_a_last_published_artefact_an_unavailable_source_fails(registry, server, live_settings):
    good = _snapshot_bytes(registry.get(SOURCE_ID))
    source = _http_source(registry, SOURCE_ID, server.serve("/file.csv", Reply(200, good)))
    # Landed and loaded, but never published: not a last good artefact.
    assert _materialize(source, live_settings).success
    assert find_last_good(live_settings.landing_dir, SOURCE_ID) is None

    server.serve("/file.csv", Reply(500, b"internal error"))
    result = _materialize(source, live_settings)

    assert not result.success
    assert not _provenance(live_settings, SOURCE_ID)["stale"]


def test_bad_data_never_falls_back(registry, server, live_settings):
    good = _snapshot_bytes(registry.get(SOURCE_ID))
    source = _http_source(registry, SOURCE_ID, server.serve("/file.csv", Reply(200, good)))
    assert _materialize(source, live_settings).success
    _publish(live_settings, SOURCE_ID)

    server.serve("/file.csv", Reply(200, b"something,else\n1,2\n"))
    result = _materialize(source, live_settings)

    assert not result.success
    failure = next(e for e in result.all_events if e.is_step_failure)
    assert "column" in str(failure.step_failure_data.error)
    # The last good artefact is still the published one, whatever was landed since.
    assert find_last_good(live_settings.landing_dir, SOURCE_ID).artefact.path.read_bytes() == good


def test_a_corrupted_last_good_artefact_is_not_used(registry, server, live_settings):
    good = _snapshot_bytes(registry.get(SOURCE_ID))
    source = _http_source(registry, SOURCE_ID, server.serve("/file.csv", Reply(200, good)))
    assert _materialize(source, live_settings).success
    _publish(live_settings, SOURCE_ID)
    kept = find_last_good(live_settings.landing_dir, SOURCE_ID).artefact.path
    kept.unlink()
    kept.write_bytes(good[: len(good) // 2])

    assert find_last_good(live_settings.landing_dir, SOURCE_ID) is None


# -- release sensors ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def defs(tmp_path_factory) -> dg.Definitions:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ICS_BASELINE_WAREHOUSE_DIR", str(tmp_path_factory.mktemp("sensor_defs")))
        from pipelines.assembly import build_definitions
        from pipelines.settings import get_settings

        return build_definitions(get_settings())


@pytest.fixture(scope="module")
def required_checks(defs) -> list[dg.AssetCheckKey]:
    from pipelines.defs.quality.gx_adapter import load_suite_files

    names = {s.name for s in load_suite_files(PROJECT_ROOT / "expectations")}
    return [spec.key for checks in defs.asset_checks or [] for spec in checks.check_specs if spec.key.name in names]


def _downstream_of(defs: dg.Definitions, start: dg.AssetKey) -> set[dg.AssetKey]:
    """Walk the asset specs' dependencies by hand: the expected selection, computed without AssetSelection."""
    children: dict[dg.AssetKey, set[dg.AssetKey]] = {}
    for spec in defs.resolve_all_asset_specs():
        for dep in spec.deps:
            children.setdefault(dep.asset_key, set()).add(spec.key)
    seen, stack = {start}, [start]
    while stack:
        for child in children.get(stack.pop(), ()):
            if child not in seen:
                seen.add(child)
                stack.append(child)
    return seen


def _sensor(defs, required_checks, settings: Settings, *sources: Source) -> dg.SensorDefinition:
    registry = Registry(version=1, suppression_markers=["x"], sources=list(sources))
    jobs = build_refresh_jobs(registry, required_checks)
    (cadence,) = {s.cadence for s in sources}
    return build_release_sensor(
        cadence,
        list(sources),
        jobs[cadence],
        settings,
        probe_policy(registry, settings),
        required_checks,
        session=LoopbackOnlySession(),
    )


def _tick(sensor: dg.SensorDefinition, defs: dg.Definitions, cursor: str | None) -> dg.SensorResult:
    with dg.instance_for_test() as instance:
        context = dg.build_sensor_context(instance=instance, cursor=cursor, definitions=defs)
        result = sensor(context)
    assert isinstance(result, dg.SensorResult)
    return result


def _markers(result: dg.SensorResult) -> dict[str, str]:
    return {source_id: seen["marker"] for source_id, seen in json.loads(result.cursor).items()}


def test_sensor_records_first_then_runs_exactly_the_changed_source(
    registry, server, defs, required_checks, live_settings
):
    one = _http_source(registry, SOURCE_ID, server.serve("/one.csv", Reply(200, b"x", {"ETag": '"v1"'})))
    other = _http_source(registry, OTHER_SOURCE_ID, server.serve("/other.csv", Reply(200, b"y", {"ETag": '"a"'})))
    assert one.cadence == other.cadence == Cadence.annual
    sensor = _sensor(defs, required_checks, live_settings, one, other)
    assert sensor.default_status == dg.DefaultSensorStatus.STOPPED

    first = _tick(sensor, defs, None)
    assert not first.run_requests and first.skip_reason is not None
    assert json.loads(_markers(first)[SOURCE_ID])["ETag"] == '"v1"'
    # Cheap: HEAD requests only, the files themselves are never downloaded.
    assert {method for method, _ in server.methods} == {"HEAD"}

    unchanged = _tick(sensor, defs, first.cursor)
    assert not unchanged.run_requests and "no new release" in unchanged.skip_reason.skip_message
    assert _markers(unchanged) == _markers(first)

    server.serve("/one.csv", Reply(200, b"x2", {"ETag": '"v2"'}))
    changed = _tick(sensor, defs, unchanged.cursor)

    (request,) = changed.run_requests
    expected = _downstream_of(defs, dg.AssetKey(["raw", SOURCE_ID])) | {REGISTRY_KEY, PUBLISH_KEY}
    assert set(request.asset_selection) == expected
    assert dg.AssetKey(["raw", OTHER_SOURCE_ID]) not in request.asset_selection
    assert any(key.path[0] == "staging" for key in expected) and any(key.path[0] == "marts" for key in expected)
    # Publication needs every GX suite evaluated in the run, including those on assets not rebuilt.
    assert set(required_checks) <= set(request.asset_check_keys)
    assert request.tags["ics_baseline/new_release"] == SOURCE_ID
    assert json.loads(_markers(changed)[SOURCE_ID])["ETag"] == '"v2"'

    again = _tick(sensor, defs, changed.cursor)
    assert not again.run_requests


def test_sensor_keeps_the_last_marker_when_a_probe_fails(registry, server, defs, required_checks, live_settings):
    source = _http_source(registry, SOURCE_ID, server.serve("/one.csv", Reply(200, b"x", {"ETag": '"v1"'})))
    sensor = _sensor(defs, required_checks, live_settings, source)
    first = _tick(sensor, defs, None)

    server.serve("/one.csv", Reply(503, b"down"))
    failed = _tick(sensor, defs, first.cursor)

    assert not failed.run_requests and "probe failed" in failed.skip_reason.skip_message
    assert _markers(failed) == _markers(first)
    server.serve("/one.csv", Reply(200, b"x", {"ETag": '"v1"'}))
    assert not _tick(sensor, defs, failed.cursor).run_requests


def test_sensor_never_contacts_a_host_outside_sources_yaml(registry, server, defs, required_checks, live_settings):
    with running(ScriptedServer("127.0.0.2")) as elsewhere:
        elsewhere.serve("/file.csv", Reply(200, b"x", {"ETag": '"v1"'}))
        # The registry names 127.0.0.1 only; the publisher redirects to 127.0.0.2.
        url = server.serve("/file.csv", Reply(302, b"", {"Location": elsewhere.url("/file.csv")}))
        sensor = _sensor(defs, required_checks, live_settings, _http_source(registry, SOURCE_ID, url))

        result = _tick(sensor, defs, None)

        assert not result.run_requests and "probe failed" in result.skip_reason.skip_message
        assert elsewhere.hits["/file.csv"] == 0


def test_arcgis_sensor_follows_the_layers_last_edit_date(registry, server, defs, required_checks, live_settings):
    layer = "/arcgis/rest/services/LU/FeatureServer/0"
    source = registry.get(SOURCE_ID)
    source = source.model_copy(
        update={
            "live": ArcGisFeatureServiceAccess(
                kind="arcgis_feature_service", url=server.url(f"{layer}/query"), order_by=["LTLA23CD"]
            )
        }
    )
    server.serve(layer, Reply(200, json.dumps({"editingInfo": {"lastEditDate": 1700000000000}}).encode()))
    sensor = _sensor(defs, required_checks, live_settings, source)

    first = _tick(sensor, defs, None)
    assert _markers(first)[SOURCE_ID] == "lastEditDate=1700000000000"
    assert server.targets[-1].endswith("?f=json")
    assert not _tick(sensor, defs, first.cursor).run_requests

    server.serve(layer, Reply(200, json.dumps({"editingInfo": {"lastEditDate": 1760000000000}}).encode()))
    (request,) = _tick(sensor, defs, first.cursor).run_requests
    assert dg.AssetKey(["raw", SOURCE_ID]) in request.asset_selection


def test_fingertips_sensor_reads_the_apis_last_upload_dates(registry, server, defs, required_checks, live_settings):
    # No registered source uses the Fingertips API today; the probe is checked on an access as an entry would be.
    access = FingertipsApiAccess(
        kind="fingertips_api",
        url=server.url("/api/all_data/csv/by_indicator_id"),
        indicator_ids=[93014, 90362],
        child_area_type_id=221,
        parent_area_type_id=15,
    )
    source = registry.get(SOURCE_ID).model_copy(update={"live": access})
    server.serve("/api/data_changes", Reply(200, b'{"LastUploadedAt": "2025-05-06T10:00:00", "LastDeletedAt": null}'))
    sensor = _sensor(defs, required_checks, live_settings, source)

    first = _tick(sensor, defs, None)
    assert "2025-05-06T10:00:00" in _markers(first)[source.id]
    assert {f"indicator_id={i}" for i in access.indicator_ids} <= {urlsplit(t).query for t in server.targets}
    assert not _tick(sensor, defs, first.cursor).run_requests

    server.serve("/api/data_changes", Reply(200, b'{"LastUploadedAt": "2025-11-04T09:30:00", "LastDeletedAt": null}'))
    (request,) = _tick(sensor, defs, first.cursor).run_requests
    assert dg.AssetKey(["raw", source.id]) in request.asset_selection


def test_govuk_sensor_sees_a_reissue_under_a_new_asset_url(registry, server, defs, required_checks, live_settings):
    govuk = next(s for s in registry.sources if s.live.kind == "govuk_asset")
    access = govuk.live
    assert isinstance(access, GovUkAssetAccess)
    asset_name = Path(urlsplit(access.url).path).name
    first_asset = f"/media/aaa111/{asset_name}"
    source = govuk.model_copy(
        update={
            "live": GovUkAssetAccess(
                kind="govuk_asset",
                url=server.url(first_asset),
                landing_page=server.url("/government/statistics/page"),
                asset_pattern=access.asset_pattern,
            )
        }
    )
    page = '<html><body><a href="{}">the file</a></body></html>'
    server.serve("/government/statistics/page", Reply(200, page.format(first_asset).encode()))
    server.serve(first_asset, Reply(200, b"x", {"Last-Modified": "Tue, 01 Apr 2025 09:30:00 GMT"}))
    sensor = _sensor(defs, required_checks, live_settings, source)
    first = _tick(sensor, defs, None)
    assert not _tick(sensor, defs, first.cursor).run_requests

    second_asset = f"/media/bbb222/{asset_name}"
    server.serve("/government/statistics/page", Reply(200, page.format(second_asset).encode()))
    server.serve(second_asset, Reply(200, b"x", {"Last-Modified": "Tue, 01 Apr 2025 09:30:00 GMT"}))
    (request,) = _tick(sensor, defs, first.cursor).run_requests
    assert dg.AssetKey(["raw", source.id]) in request.asset_selection
    assert ("GET", first_asset) not in server.methods and ("GET", second_asset) not in server.methods


def test_snapshot_sensor_runs_when_the_file_content_changes(registry, defs, required_checks, tmp_path):
    source = registry.get(SOURCE_ID)
    snapshot = tmp_path / "snapshot"
    mirrored = snapshot / source.snapshot_path
    mirrored.parent.mkdir(parents=True)
    mirrored.write_bytes(_snapshot_bytes(source))
    settings = Settings(
        warehouse_dir=tmp_path / "warehouse",
        snapshot_dir=snapshot,
        fetch_mode="snapshot",
        sources_file=PROJECT_ROOT / "sources.yaml",
        allow_loopback_http=False,
    )
    sensor = _sensor(defs, required_checks, settings, source)
    first = _tick(sensor, defs, None)
    assert not first.run_requests

    # Touched but identical: the sha256 decides, not the modification time.
    mirrored.write_bytes(_snapshot_bytes(source))
    touched = _tick(sensor, defs, first.cursor)
    assert not touched.run_requests

    mirrored.write_bytes(_snapshot_bytes(source) + b"E06000099,New place,E06000099,New place\n")
    (request,) = _tick(sensor, defs, touched.cursor).run_requests
    assert dg.AssetKey(["raw", SOURCE_ID]) in request.asset_selection


def test_a_dated_next_release_becomes_a_recurring_freshness_deadline(registry):
    from pipelines.cadence import freshness_policy

    annual = registry.get(SOURCE_ID).model_copy(update={"next_release": "expected 2026-03-19 (provisional)"})
    quarterly = annual.model_copy(update={"cadence": Cadence.quarterly, "next_release": "2026-11-27"})
    undated = annual.model_copy(update={"next_release": "Published each spring"})

    # A week's grace after the expected date; the landing must be no more than 3 weeks before the deadline.
    assert freshness_policy(annual).deadline_cron == "0 9 26 3 *"
    assert freshness_policy(annual).lower_bound_delta.days == 21
    # 27 Nov + 7 days is 4 Dec, then every three months.
    assert freshness_policy(quarterly).deadline_cron == "0 9 4 12,3,6,9 *"
    assert freshness_policy(undated).fail_window.to_timedelta().days == 400

"""The live adapters (one per `live.kind`) against local HTTP servers that replay real-format publisher responses.

ArcGIS pages are built from a real snapshot lookup renamed to ONS field names; Fingertips serves a real snapshot
CSV; Nomis serves API-layout CSVs built from real Census LSOA rows; gov.uk serves a landing page whose links
point at a snapshot file. Every server is on 127.0.0.x and every request loop is bounded by the fetcher.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import socket
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import yaml

from pipelines.adapters import ADAPTERS
from pipelines.fetch import Fetcher, FetchError, HttpPolicy
from pipelines.readers import read_source
from pipelines.registry import (
    LIVE_KINDS,
    ArcGisFeatureServiceAccess,
    FingertipsApiAccess,
    GovUkAssetAccess,
    HttpFileAccess,
    NomisApiAccess,
    RegistryError,
    Source,
    load_registry,
)
from tests.http_fixtures import LoopbackOnlySession, RecordingHTTPServer, running

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT_DIR = (PROJECT_ROOT.parent / "shared" / "snapshot").resolve()
SOURCES_FILE = PROJECT_ROOT / "sources.yaml"

BACKOFF = 0.5

# -- replayed publisher content -----------------------------------------------------------------------------

ICB24_LOOKUP = "lookups/lsoa21_sicbl24_icb24_apr2024.csv"
ICB24_SOURCE_ID = "ons_lsoa21_icb24_lookup"
ARCGIS_ROWS = 2_500
# geographr's snake_case names back to the ONS field names of LSOA21_SICBL24_ICB24_CAL24_LAD24_EN_LU.
ONS_FIELD_NAMES = {
    "lsoa21_code": "LSOA21CD",
    "lsoa21_name": "LSOA21NM",
    "sicbl24_code": "SICBL24CD",
    "sicbl24_code_nhs": "SICBL24CDH",
    "sicbl24_name": "SICBL24NM",
    "icb24_code": "ICB24CD",
    "icb24_code_nhs": "ICB24CDH",
    "icb24_name": "ICB24NM",
}
ARCGIS_PATH = "/arcgis/rest/services/LSOA21_SICBL24_ICB24_CAL24_LAD24_EN_LU/FeatureServer/0/query"

FINGERTIPS_FILE = "fingertips_raw/indicator-93495-all-areas.csv"
FINGERTIPS_PATH = "/api/all_data/csv/by_indicator_id"

CENSUS_TS038 = "census2021_lsoa21/census2021_ts038_disability_lsoa21_ew.csv"
NOMIS_PATH = "/api/v01/dataset/NM_2056_1.data.csv"  # a Census 2021 LSOA table; the dataset id is illustrative
NOMIS_UID = "0x5c1e7d0c0ffee1234abcd5678ef90aa"

IMD2025_FILE = "imd2025/IoD2025_lsoa21_scores_ranks_deciles.csv"
IMD2025_PAGE = "/government/statistics/english-indices-of-deprivation-2025"
FILE_7 = "File_7_IoD2025_All_Ranks_Scores_Deciles_Population_Denominators.csv"
FILE_7_ASSET = f"/media/691ded56d140bbbaa59a2a7d/{FILE_7}"
FILE_7_REISSUED = f"/media/6a0000aa0b1c2d3e4f567890/{FILE_7}"
FILE_1_ASSET = "/media/691dece32c6b98ecdbc500d5/File_1_IoD2025_Index_of_Multiple_Deprivation.xlsx"
FILE_7_PATTERN = r"File_7_IoD2025.*\.csv$"

HTML_ERROR_PAGE = b"<!DOCTYPE html>\n<html><head><title>Error</title></head><body><h1>Server error</h1></body></html>"


def _snapshot_bytes(relative: str) -> bytes:
    return (SNAPSHOT_DIR / relative).read_bytes()


@cache
def _icb24_features() -> tuple[tuple[str, ...], tuple[dict[str, Any], ...]]:
    """The first ARCGIS_ROWS rows of the snapshot lookup as ArcGIS attributes (ONS names, plus ObjectId)."""
    with (SNAPSHOT_DIR / ICB24_LOOKUP).open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))[:ARCGIS_ROWS]
    fields = (*ONS_FIELD_NAMES.values(), "ObjectId")
    features = tuple(
        {**{ONS_FIELD_NAMES[name]: value for name, value in row.items()}, "ObjectId": number}
        for number, row in enumerate(rows, start=1)
    )
    return fields, features


@cache
def _nomis_rows() -> tuple[str, ...]:
    """Census TS038 LSOA rows in the Nomis API's CSV layout: one quoted row per area and category."""
    with (SNAPSHOT_DIR / CENSUS_TS038).open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        categories = [name.removeprefix("Disability: ") for name in header[1:]]
        return tuple(
            f'"2021","{row[0]}","{category}","Value","{value}","Normal Value"'
            for row in reader
            for category, value in zip(categories, row[1:], strict=True)
        )


def _nomis_csv(rows: int) -> bytes:
    header = '"DATE_NAME","GEOGRAPHY_CODE","C2021_DISABILITY_5_NAME","MEASURES_NAME","OBS_VALUE","OBS_STATUS_NAME"'
    available = _nomis_rows()
    assert rows <= len(available)
    return ("\r\n".join((header, *available[:rows])) + "\r\n").encode("utf-8")


def _landing_page(*asset_paths: str) -> bytes:
    """A gov.uk statistics page: navigation, and an attachment block per asset (title link, preview, download)."""
    attachments = "".join(
        f"""
      <section class="gem-c-attachment">
        <h3 class="gem-c-attachment__title"><a class="govuk-link" href="{path}">{path.rsplit("/", 1)[-1]}</a></h3>
        <p class="gem-c-attachment__metadata"><a class="govuk-link" href="{path}/preview">View online</a></p>
        <a class="govuk-link" href="{path}" download>Download CSV</a>
      </section>"""
        for path in asset_paths
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>English indices of deprivation 2025 - GOV.UK</title></head>
<body>
  <a href="#main-content" class="govuk-skip-link">Skip to main content</a>
  <a href="/" class="govuk-header__link">GOV.UK</a>
  <a href="/government/organisations/ministry-of-housing-communities-local-government">MHCLG</a>
  <main id="main-content">
    <h1>English indices of deprivation 2025</h1>
    <section class="attachments">{attachments}
    </section>
    <a href="mailto:indices.deprivation@communities.gov.uk">Contact</a>
  </main>
</body></html>""".encode()


# -- local publisher server ---------------------------------------------------------------------------------


@dataclass
class Reply:
    status: int
    body: bytes
    content_type: str = "application/json"


Route = Callable[[dict[str, str], int], Reply]


def _json(payload: object) -> Reply:
    return Reply(200, json.dumps(payload).encode("utf-8"))


def _not_found(query: dict[str, str], hits: int) -> Reply:
    return Reply(404, b"not found", "text/plain")


def _static(body: bytes, content_type: str = "text/csv") -> Route:
    return lambda query, hits: Reply(200, body, content_type)


@dataclass
class FeatureLayer:
    """A FeatureServer layer's /query endpoint, paging and counting as ArcGIS does."""

    fields: tuple[str, ...]
    features: tuple[dict[str, Any], ...]
    max_record_count: int = 1000
    count_offset: int = 0
    error: dict[str, Any] | None = None
    failing_requests: int = 0

    def __call__(self, query: dict[str, str], hits: int) -> Reply:
        if hits <= self.failing_requests:
            return _json({"error": {"code": 503, "message": "Service unavailable", "details": []}})
        if self.error is not None:
            return _json({"error": self.error})
        if query.get("returnCountOnly") == "true":
            return _json({"count": len(self.features) + self.count_offset})
        order = [name.split(" ")[0] for name in query["orderByFields"].split(",")]
        unknown = [name for name in order if name not in self.fields]
        if unknown:
            invalid = f"'Invalid field: {unknown[0]}' parameter is invalid"
            return _json({"error": {"code": 400, "message": "Unable to complete operation.", "details": [invalid]}})
        ordered = sorted(self.features, key=lambda row: [row[name] for name in order])
        offset = int(query.get("resultOffset", 0))
        limit = min(int(query.get("resultRecordCount", self.max_record_count)), self.max_record_count)
        page = ordered[offset : offset + limit]
        return _json(
            {
                "objectIdFieldName": "ObjectId",
                "uniqueIdField": {"name": "ObjectId", "isSystemMaintained": True},
                "globalIdFieldName": "",
                "fields": [
                    {"name": name, "type": "esriFieldTypeOID" if name == "ObjectId" else "esriFieldTypeString"}
                    for name in self.fields
                ],
                "exceededTransferLimit": offset + len(page) < len(ordered),
                "features": [{"attributes": attributes} for attributes in page],
            }
        )


class PublisherServer(RecordingHTTPServer):
    def __init__(self, host: str) -> None:
        super().__init__(host, _RouteHandler)
        self.routes: dict[str, Route] = {}

    def queries(self, path: str) -> list[dict[str, str]]:
        return [dict(parse_qsl(urlsplit(t).query)) for t in self.targets if urlsplit(t).path == path]


class _RouteHandler(BaseHTTPRequestHandler):
    server: PublisherServer

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        hits = self.server.record(self.path)
        parts = urlsplit(self.path)
        route = self.server.routes.get(parts.path, _not_found)
        reply = route(dict(parse_qsl(parts.query)), hits)
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)


@pytest.fixture
def server() -> Iterator[PublisherServer]:
    with running(PublisherServer("127.0.0.1")) as publisher:
        yield publisher


@pytest.fixture
def other_server() -> Iterator[PublisherServer]:
    with running(PublisherServer("127.0.0.2")) as publisher:
        yield publisher


@pytest.fixture
def session() -> Iterator[LoopbackOnlySession]:
    with LoopbackOnlySession() as recording:
        yield recording


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    return tmp_path / "landing"


@pytest.fixture
def fetcher(landing, session, sleeps) -> Callable[..., Fetcher]:
    def make(**policy_overrides: object) -> Fetcher:
        policy = {
            "allowed_hosts": frozenset({"127.0.0.1"}),
            "allow_loopback_http": True,
            "connect_timeout": 1.0,
            "read_timeout": 5.0,
            "attempts": 3,
            "backoff_seconds": BACKOFF,
        }
        policy.update(policy_overrides)
        return Fetcher(landing, mode="live", policy=HttpPolicy(**policy), session=session, sleep=sleeps.append)

    return make


@pytest.fixture(scope="module")
def registry():
    return load_registry(SOURCES_FILE)


def _files_under(directory: Path) -> set[Path]:
    """Every file left behind, temp files (`.<name>.*.part`) included."""
    return {p for p in directory.rglob("*") if p.is_file()} if directory.exists() else set()


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _with_live(source: Source, live: dict[str, Any]) -> Source:
    """`source` with its `live` block replaced, validated as the registry would validate it."""
    return Source.model_validate({**source.model_dump(mode="json"), "live": live})


def _test_source(source_id: str, live: dict[str, Any], snapshot_path: str) -> Source:
    return Source.model_validate(
        {
            "id": source_id,
            "title": f"test source {source_id}",
            "publisher": "test",
            "licence": "OGL-3.0",
            "domain": "test",
            "cadence": "annual",
            "geography": {"level": "mixed", "code_vintage": "test"},
            "live": live,
            "snapshot_path": snapshot_path,
            "format": {"type": "csv"},
            "columns": {"area_code": ["Area Code", "GEOGRAPHY_CODE"]},
        }
    )


def test_every_live_kind_has_an_adapter():
    assert set(ADAPTERS) == set(LIVE_KINDS)


# -- arcgis_feature_service ---------------------------------------------------------------------------------


def _arcgis_source(registry, server: PublisherServer, **live: Any) -> Source:
    spec = {"kind": "arcgis_feature_service", "url": server.url(ARCGIS_PATH), "order_by": ["LSOA21CD"], **live}
    return _with_live(registry.get(ICB24_SOURCE_ID), spec)


def _serve_layer(server: PublisherServer, **layer: Any) -> FeatureLayer:
    fields, features = _icb24_features()
    server.routes[ARCGIS_PATH] = route = FeatureLayer(fields, features, **layer)
    return route


@pytest.mark.parametrize(
    ("page_size", "max_record_count", "rows", "offsets"),
    [
        (1000, 1000, ARCGIS_ROWS, [0, 1000, 2000]),
        # The server caps pages below the requested size and says so with exceededTransferLimit.
        (2000, 1000, ARCGIS_ROWS, [0, 1000, 2000]),
        # A last page that is exactly full: only the following empty page ends the layer.
        (1000, 1000, 2000, [0, 1000, 2000]),
    ],
    ids=["three-pages", "server-caps-pages", "exact-multiple"],
)
def test_arcgis_pages_through_the_layer_and_lands_exactly_the_snapshot_rows(
    registry, server, fetcher, landing, sleeps, page_size, max_record_count, rows, offsets
):
    layer = _serve_layer(server, max_record_count=max_record_count)
    layer.features = layer.features[:rows]
    source = _arcgis_source(registry, server, page_size=page_size)

    artefact = fetcher().fetch(source)

    queries = server.queries(ARCGIS_PATH)
    assert queries[0] == {"where": "1=1", "returnCountOnly": "true", "f": "json"}
    pages = queries[1:]
    assert [int(q["resultOffset"]) for q in pages] == offsets
    for query in pages:
        assert query["resultRecordCount"] == str(page_size)
        assert query["orderByFields"] == "LSOA21CD"
        assert (query["outFields"], query["returnGeometry"], query["f"], query["where"]) == (
            "*",
            "false",
            "json",
            "1=1",
        )

    data = artefact.path.read_bytes()
    header, *landed = list(csv.reader(io.StringIO(data.decode("utf-8"))))
    fields, features = _icb24_features()
    assert header == list(fields)
    expected = sorted(([str(f[name]) for name in fields] for f in features[:rows]), key=lambda row: row[0])
    assert landed == expected
    assert (artefact.sha256, artefact.bytes) == (_sha256(data), len(data))
    assert (
        artefact.fetched_from
        == f"{server.url(ARCGIS_PATH)}?where=1%3D1&outFields=%2A&returnGeometry=false&orderByFields=LSOA21CD&f=json"
    )
    assert artefact.source_url == server.url(ARCGIS_PATH)
    assert _files_under(landing) == {artefact.path}
    assert sleeps == []


def test_arcgis_csv_parses_with_the_registry_aliases_to_the_snapshot_values(registry, server, fetcher):
    _serve_layer(server)
    source = _arcgis_source(registry, server)

    live_frame = read_source(source, fetcher().fetch(source).path)

    snapshot_frame = read_source(registry.get(ICB24_SOURCE_ID), SNAPSHOT_DIR / ICB24_LOOKUP).head(ARCGIS_ROWS)
    columns = list(snapshot_frame.columns)
    assert list(live_frame.columns) == columns
    by_code = snapshot_frame.sort_values("lsoa21_code").reset_index(drop=True)
    assert live_frame[columns].reset_index(drop=True).equals(by_code)


def test_arcgis_empty_first_page_is_an_error(registry, server, fetcher, landing):
    layer = _serve_layer(server)
    layer.features = ()

    with pytest.raises(FetchError, match="returned no records") as failure:
        fetcher().fetch(_arcgis_source(registry, server))

    assert ICB24_SOURCE_ID in str(failure.value)
    assert _files_under(landing) == set()


def test_arcgis_error_object_with_http_200_is_an_error_and_not_retried(registry, server, fetcher, landing, sleeps):
    _serve_layer(server)
    source = _arcgis_source(registry, server, order_by=["LSOA21_CODE"])

    with pytest.raises(FetchError, match=r"ArcGIS error 400: Unable to complete operation") as failure:
        fetcher().fetch(source)

    assert "Invalid field: LSOA21_CODE" in str(failure.value)
    assert ICB24_SOURCE_ID in str(failure.value)
    assert len(server.queries(ARCGIS_PATH)) == 2  # the count, then the first page
    assert sleeps == []
    assert _files_under(landing) == set()


def test_arcgis_server_fault_reported_in_an_error_object_is_retried(registry, server, fetcher, sleeps):
    _serve_layer(server, failing_requests=2)

    artefact = fetcher(attempts=3).fetch(_arcgis_source(registry, server))

    assert sleeps == [BACKOFF, 2 * BACKOFF]
    assert artefact.bytes > 0


def test_arcgis_error_object_on_every_attempt_raises_after_the_last(registry, server, fetcher, landing, sleeps):
    _serve_layer(server, error={"code": 500, "message": "Error performing query operation"})

    with pytest.raises(FetchError, match=r"after 3 attempts: .*ArcGIS error 500"):
        fetcher(attempts=3).fetch(_arcgis_source(registry, server))

    assert sleeps == [BACKOFF, 2 * BACKOFF]
    assert _files_under(landing) == set()


@pytest.mark.parametrize(
    ("count_offset", "message"),
    [(100, r"received 2,500 records but the layer counts 2,600: the response was truncated"), (-1, r"more than")],
    ids=["fewer-rows-than-counted", "more-rows-than-counted"],
)
def test_arcgis_row_count_must_equal_the_reported_count(registry, server, fetcher, landing, count_offset, message):
    _serve_layer(server)
    source = _arcgis_source(registry, server)
    good = fetcher().fetch(source)
    before = good.path.read_bytes()
    _serve_layer(server, count_offset=count_offset)

    with pytest.raises(FetchError, match=message) as failure:
        fetcher().fetch(source)

    assert ICB24_SOURCE_ID in str(failure.value)
    assert good.path.read_bytes() == before
    assert _files_under(landing) == {good.path}


# -- fingertips_api -----------------------------------------------------------------------------------------


def _fingertips_source(server: PublisherServer) -> Source:
    live = {
        "kind": "fingertips_api",
        "url": server.url(FINGERTIPS_PATH),
        "indicator_ids": [93495],
        "child_area_type_id": 221,
        "parent_area_type_id": 15,
    }
    return _test_source("ohid_fingertips_93495", live, FINGERTIPS_FILE)


def test_fingertips_csv_lands_byte_for_byte_with_n_prefixed_nhs_codes(server, fetcher, landing, sleeps):
    published = _snapshot_bytes(FINGERTIPS_FILE)
    server.routes[FINGERTIPS_PATH] = _static(published)
    source = _fingertips_source(server)

    artefact = fetcher().fetch(source)

    assert server.queries(FINGERTIPS_PATH) == [
        {"indicator_ids": "93495", "child_area_type_id": "221", "parent_area_type_id": "15"}
    ]
    assert artefact.path.read_bytes() == published
    assert artefact.sha256 == _sha256(published)
    assert b",nE38" in published
    frame = read_source(source, artefact.path)
    assert frame["area_code"].str.startswith("nE").sum() == published.count(b",nE")
    assert artefact.fetched_from == server.url(
        f"{FINGERTIPS_PATH}?indicator_ids=93495&child_area_type_id=221&parent_area_type_id=15"
    )
    assert _files_under(landing) == {artefact.path}
    assert sleeps == []


@pytest.mark.parametrize(
    ("body", "content_type", "message"),
    [
        (HTML_ERROR_PAGE, "text/html", r"HTML/XML page instead of CSV"),
        (b'{"Message":"An error has occurred."}', "application/json", r"JSON instead of CSV"),
        (b"Area Code,Value\nE54000008,1\n", "text/csv", r"expected a CSV header starting 'Indicator ID,"),
        (
            _snapshot_bytes(FINGERTIPS_FILE).split(b"\n", 1)[0] + b"\n",
            "text/csv",
            r"header but no data rows; check that indicators 93495 are published for area type 221",
        ),
    ],
    ids=["html-page", "json-error", "other-csv", "header-only"],
)
def test_fingertips_body_that_is_not_the_indicator_csv_is_refused_and_the_good_file_kept(
    server, fetcher, landing, sleeps, body, content_type, message
):
    source = _fingertips_source(server)
    server.routes[FINGERTIPS_PATH] = _static(_snapshot_bytes(FINGERTIPS_FILE))
    good = fetcher().fetch(source)
    server.routes[FINGERTIPS_PATH] = _static(body, content_type)

    with pytest.raises(FetchError, match=message) as failure:
        fetcher().fetch(source)

    assert source.id in str(failure.value)
    assert good.path.read_bytes() == _snapshot_bytes(FINGERTIPS_FILE)
    assert _files_under(landing) == {good.path}
    assert sleeps == []


# -- nomis_api ----------------------------------------------------------------------------------------------

NOMIS_PARAMS = {
    "geography": "TYPE151",
    "c2021_disability_5": "0,1,2",
    "measures": "20100",
    "select": "date_name,geography_code,c2021_disability_5_name,measures_name,obs_value,obs_status_name",
}


def _nomis_source(server: PublisherServer) -> Source:
    live = {"kind": "nomis_api", "url": server.url(NOMIS_PATH), "params": NOMIS_PARAMS, "uid_env": "NOMIS_UID"}
    return _test_source("ons_census2021_ts038_nomis", live, CENSUS_TS038)


def _serve_nomis(server: PublisherServer, rows: int) -> bytes:
    body = _nomis_csv(rows)
    server.routes[NOMIS_PATH] = _static(body, "text/csv; charset=utf-8")
    return body


def test_nomis_guest_request_lands_the_csv_with_the_registry_params(
    server, fetcher, landing, sleeps, monkeypatch, caplog
):
    monkeypatch.delenv("NOMIS_UID", raising=False)
    caplog.set_level(logging.INFO, logger="pipelines")
    body = _serve_nomis(server, 300)

    artefact = fetcher().fetch(_nomis_source(server))

    assert server.queries(NOMIS_PATH) == [NOMIS_PARAMS]
    assert artefact.path.read_bytes() == body
    assert artefact.fetched_from.startswith(server.url(NOMIS_PATH) + "?geography=TYPE151&c2021_disability_5=0,1,2")
    assert "no Nomis uid in NOMIS_UID; the 25,000-cell cap for guest requests applies" in caplog.text
    assert _files_under(landing) == {artefact.path}
    assert sleeps == []


@pytest.mark.parametrize(
    ("uid", "rows", "cap_text"),
    [
        (None, 24_999, None),
        (None, 25_000, "25,000-cell cap for guest requests"),
        (NOMIS_UID, 25_000, None),
        (NOMIS_UID, 99_999, None),
        (NOMIS_UID, 100_000, "100,000-row cap for requests with a uid"),
    ],
    ids=["guest-below-cap", "guest-at-cap", "uid-above-guest-cap", "uid-below-cap", "uid-at-cap"],
)
def test_nomis_response_reaching_the_row_cap_is_refused_as_truncated(
    server, fetcher, landing, monkeypatch, uid, rows, cap_text
):
    if uid:
        monkeypatch.setenv("NOMIS_UID", uid)
    else:
        monkeypatch.delenv("NOMIS_UID", raising=False)
    body = _serve_nomis(server, rows)
    source = _nomis_source(server)

    if cap_text is None:
        assert fetcher().fetch(source).path.read_bytes() == body
        return
    with pytest.raises(FetchError) as failure:
        fetcher().fetch(source)

    message = str(failure.value)
    assert source.id in message
    assert f"{rows:,} rows reach Nomis's {cap_text}" in message
    assert "truncates silently" in message
    assert "narrow the query" in message
    assert ("set NOMIS_UID to a Nomis uid" in message) is (uid is None)
    assert _files_under(landing) == set()


def _assert_uid_absent(*texts: str) -> None:
    for text in texts:
        assert NOMIS_UID not in text
        assert NOMIS_UID.lower() not in text.lower()


def test_nomis_uid_from_the_environment_is_sent_but_never_logged_or_recorded(
    server, fetcher, session, monkeypatch, caplog
):
    monkeypatch.setenv("NOMIS_UID", NOMIS_UID)
    caplog.set_level(logging.DEBUG)
    body = _serve_nomis(server, 300)

    artefact = fetcher().fetch(_nomis_source(server))

    assert server.queries(NOMIS_PATH) == [{**NOMIS_PARAMS, "uid": NOMIS_UID}]
    assert artefact.path.read_bytes() == body
    assert artefact.fetched_from.endswith("&uid=REDACTED")
    _assert_uid_absent(artefact.fetched_from, artefact.source_url, repr(artefact), caplog.text)
    assert all(NOMIS_UID not in record.getMessage() for record in caplog.records)
    # The redaction is not vacuous: urllib3 did log the request line, query string included.
    assert any(r.name.startswith("urllib3") and "uid=REDACTED" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("failure_kind", ["http-500", "html-page", "at-cap", "connection-refused"])
def test_nomis_uid_is_absent_from_errors_and_logs_when_the_fetch_fails(
    server, fetcher, landing, sleeps, monkeypatch, caplog, failure_kind
):
    monkeypatch.setenv("NOMIS_UID", NOMIS_UID)
    caplog.set_level(logging.DEBUG)
    source = _nomis_source(server)
    if failure_kind == "http-500":
        server.routes[NOMIS_PATH] = lambda query, hits: Reply(500, b"internal error", "text/plain")
    elif failure_kind == "html-page":
        server.routes[NOMIS_PATH] = _static(HTML_ERROR_PAGE, "text/html")
    elif failure_kind == "at-cap":
        _serve_nomis(server, 100_000)
    else:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            free_port = probe.getsockname()[1]
        live = source.live.model_copy(update={"url": f"http://127.0.0.1:{free_port}{NOMIS_PATH}"})
        source = source.model_copy(update={"live": live})

    with pytest.raises(FetchError) as failure:
        fetcher().fetch(source)

    error = failure.value
    assert source.id in str(error)
    assert "uid=REDACTED" in str(error)
    assert error.__cause__ is None
    assert error.__context__ is None
    _assert_uid_absent(str(error), repr(error), "".join(traceback.format_exception(error)), caplog.text)
    assert _files_under(landing) == set()


# -- govuk_asset --------------------------------------------------------------------------------------------


def _govuk_source(registry, server: PublisherServer, pinned_asset: str = FILE_7_ASSET) -> Source:
    live = {
        "kind": "govuk_asset",
        "url": server.url(pinned_asset),
        "landing_page": server.url(IMD2025_PAGE),
        "asset_pattern": FILE_7_PATTERN,
    }
    return _with_live(registry.get("mhclg_imd2025_lsoa21"), live)


def _serve_landing_page(server: PublisherServer, *links: str) -> None:
    server.routes[IMD2025_PAGE] = _static(_landing_page(*links), "text/html; charset=utf-8")


def test_govuk_asset_found_by_a_relative_link_is_downloaded_and_recorded(registry, server, fetcher, landing, sleeps):
    _serve_landing_page(server, FILE_1_ASSET, FILE_7_ASSET)
    published = _snapshot_bytes(IMD2025_FILE)
    server.routes[FILE_7_ASSET] = _static(published)
    source = _govuk_source(registry, server)

    artefact = fetcher().fetch(source)

    assert server.paths == [IMD2025_PAGE, FILE_7_ASSET]
    assert artefact.path.read_bytes() == published
    assert artefact.sha256 == _sha256(published)
    assert artefact.fetched_from == server.url(FILE_7_ASSET)
    assert _files_under(landing) == {artefact.path}
    assert sleeps == []


def test_govuk_asset_reissued_under_a_new_hash_is_followed(registry, server, fetcher, caplog):
    caplog.set_level(logging.INFO, logger="pipelines")
    _serve_landing_page(server, FILE_1_ASSET, FILE_7_REISSUED)
    server.routes[FILE_7_REISSUED] = _static(_snapshot_bytes(IMD2025_FILE))
    source = _govuk_source(registry, server, pinned_asset=FILE_7_ASSET)

    artefact = fetcher().fetch(source)

    assert artefact.fetched_from == server.url(FILE_7_REISSUED)
    assert artefact.source_url == server.url(FILE_7_ASSET)
    assert f"now links {server.url(FILE_7_REISSUED)}" in caplog.text


@pytest.mark.parametrize(
    ("links", "message", "listed"),
    [
        ((FILE_1_ASSET,), r"no link on .* matches asset_pattern", [FILE_1_ASSET]),
        ((), r"no link on .* matches asset_pattern .*no file links among its \d+ links", []),
        ((FILE_7_ASSET, FILE_7_REISSUED), r"2 links on .* match asset_pattern .* expected exactly one", None),
    ],
    ids=["no-match", "no-attachments", "two-matches"],
)
def test_govuk_asset_needs_exactly_one_matching_link(
    registry, server, fetcher, landing, sleeps, links, message, listed
):
    _serve_landing_page(server, *links)
    source = _govuk_source(registry, server)

    with pytest.raises(FetchError, match=message) as failure:
        fetcher().fetch(source)

    text = str(failure.value)
    assert source.id in text
    for path in links if listed is None else listed:
        assert server.url(path) in text
    assert server.paths == [IMD2025_PAGE]
    assert _files_under(landing) == set()
    assert sleeps == []


def test_govuk_asset_on_a_host_outside_the_allowlist_is_never_contacted(
    registry, server, other_server, fetcher, landing, session
):
    asset_url = other_server.url(FILE_7_ASSET)
    _serve_landing_page(server, asset_url)
    other_server.routes[FILE_7_ASSET] = _static(_snapshot_bytes(IMD2025_FILE))
    source = _govuk_source(registry, server)

    with pytest.raises(FetchError, match=r"'127\.0\.0\.2' is not named"):
        fetcher().fetch(source)
    assert other_server.paths == []
    assert session.urls == [server.url(IMD2025_PAGE)]

    artefact = fetcher(allowed_hosts=frozenset({"127.0.0.1", "127.0.0.2"})).fetch(source)
    assert artefact.fetched_from == asset_url
    assert other_server.paths == [FILE_7_ASSET]


def test_govuk_landing_page_errors_are_retried_like_any_fetch(registry, server, fetcher, sleeps):
    page = _landing_page(FILE_7_ASSET)
    server.routes[IMD2025_PAGE] = lambda query, hits: (
        Reply(503, b"busy", "text/plain") if hits == 1 else Reply(200, page, "text/html")
    )
    server.routes[FILE_7_ASSET] = _static(_snapshot_bytes(IMD2025_FILE))

    artefact = fetcher().fetch(_govuk_source(registry, server))

    assert sleeps == [BACKOFF]
    assert artefact.fetched_from == server.url(FILE_7_ASSET)


# -- http_file still works through the adapter table ----------------------------------------------------------


def test_http_file_adapter_downloads_the_url_as_is(registry, server, fetcher):
    published = _snapshot_bytes(FINGERTIPS_FILE)
    server.routes["/files/indicator.csv"] = _static(published)
    source = _test_source("plain_file", {"url": server.url("/files/indicator.csv")}, FINGERTIPS_FILE)

    artefact = fetcher().fetch(source)

    assert isinstance(source.live, HttpFileAccess)
    assert artefact.path.read_bytes() == published
    assert artefact.fetched_from == server.url("/files/indicator.csv")


# -- registry: the live block of each kind ------------------------------------------------------------------

LIVE_EXAMPLES: dict[str, dict[str, Any]] = {
    "http_file": {"url": "https://www.ons.gov.uk/explore-local-statistics/api/v1/data.csv?geo=ltla"},
    "arcgis_feature_service": {
        "kind": "arcgis_feature_service",
        "url": f"https://services1.arcgis.com/ESMARspQHYMw9BZ9{ARCGIS_PATH}",
        "order_by": ["LSOA21CD"],
    },
    "fingertips_api": {
        "kind": "fingertips_api",
        "url": "https://fingertips.phe.org.uk/api/all_data/csv/by_indicator_id",
        "indicator_ids": [91547],
        "child_area_type_id": 221,
        "parent_area_type_id": 15,
    },
    "nomis_api": {
        "kind": "nomis_api",
        "url": "https://www.nomisweb.co.uk/api/v01/dataset/NM_17_5.data.csv",
        "params": {"geography": "TYPE464", "date": "latest", "variable": [45, 83], "measures": 20599},
        "uid_env": "NOMIS_UID",
    },
    "govuk_asset": {
        "kind": "govuk_asset",
        "url": f"https://assets.publishing.service.gov.uk{FILE_7_ASSET}",
        "landing_page": "https://www.gov.uk/government/statistics/english-indices-of-deprivation-2025",
        "asset_pattern": FILE_7_PATTERN,
    },
}


def _registry_with_live(tmp_path: Path, live: object) -> Path:
    entry = {
        "id": "example_source",
        "title": "Example",
        "publisher": "Example publisher",
        "licence": "OGL-3.0",
        "domain": "test",
        "cadence": "annual",
        "geography": {"level": "lookup", "code_vintage": "LSOA21"},
        "live": live,
        "snapshot_path": "lookups/example.csv",
        "format": {"type": "csv"},
        "columns": {"lsoa21_code": ["LSOA21CD"]},
    }
    path = tmp_path / "sources.yaml"
    path.write_text(yaml.safe_dump({"version": 1, "suppression_markers": ["x"], "sources": [entry]}))
    return path


@pytest.mark.parametrize(
    ("kind", "access_class", "hosts"),
    [
        ("http_file", HttpFileAccess, {"www.ons.gov.uk"}),
        ("arcgis_feature_service", ArcGisFeatureServiceAccess, {"services1.arcgis.com"}),
        ("fingertips_api", FingertipsApiAccess, {"fingertips.phe.org.uk"}),
        ("nomis_api", NomisApiAccess, {"www.nomisweb.co.uk"}),
        ("govuk_asset", GovUkAssetAccess, {"assets.publishing.service.gov.uk", "www.gov.uk"}),
    ],
)
def test_each_live_kind_loads_and_allowlists_every_host_it_contacts(tmp_path, kind, access_class, hosts):
    registry = load_registry(_registry_with_live(tmp_path, LIVE_EXAMPLES[kind]))

    live = registry.get("example_source").live
    assert isinstance(live, access_class)
    assert live.kind == kind
    assert registry.allowed_hosts == hosts


def test_live_block_defaults_and_normalisation(tmp_path):
    arcgis = load_registry(_registry_with_live(tmp_path, LIVE_EXAMPLES["arcgis_feature_service"]))
    assert (arcgis.sources[0].live.page_size, arcgis.sources[0].live.where) == (1000, "1=1")
    nomis = load_registry(_registry_with_live(tmp_path, LIVE_EXAMPLES["nomis_api"]))
    assert nomis.sources[0].live.params == {
        "geography": "TYPE464",
        "date": "latest",
        "variable": "45,83",
        "measures": "20599",
    }
    # An informational landing page on a plain file download is not contacted, so it is not allowlisted.
    with_page = {**LIVE_EXAMPLES["http_file"], "landing_page": "https://www.gov.uk/some/page"}
    assert load_registry(_registry_with_live(tmp_path, with_page)).allowed_hosts == {"www.ons.gov.uk"}


def _variant(example: str, /, **changes: Any) -> dict[str, Any]:
    """The example live block of kind `example` with `changes` applied (None drops a key)."""
    live = {**LIVE_EXAMPLES[example], **changes}
    return {key: value for key, value in live.items() if value is not None}


INVALID_LIVE_BLOCKS = [
    pytest.param(
        _variant("http_file", kind="ftp_file"),
        r"field live: live\.kind must be one of http_file, arcgis_feature_service",
        id="unknown-kind",
    ),
    pytest.param(
        _variant("http_file", page_size=500), r"field live\.page_size: Extra inputs are not permitted", id="extra-key"
    ),
    pytest.param(
        _variant("arcgis_feature_service", order_by=None), r"field live\.order_by: Field required", id="no-order-by"
    ),
    pytest.param(
        _variant("arcgis_feature_service", order_by=[]),
        r"field live\.order_by: List should have at least 1",
        id="empty-order-by",
    ),
    pytest.param(
        _variant("arcgis_feature_service", order_by=["LSOA21CD; drop"]),
        r"field live\.order_by\.0: String should match pattern",
        id="order-by-not-a-field",
    ),
    pytest.param(
        _variant("arcgis_feature_service", page_size=0),
        r"field live\.page_size: Input should be greater than or equal to 1",
        id="page-size-zero",
    ),
    pytest.param(
        _variant("arcgis_feature_service", url=LIVE_EXAMPLES["arcgis_feature_service"]["url"] + "?f=json"),
        r"field live\.url: .*must not carry a query string",
        id="arcgis-url-with-query",
    ),
    pytest.param(
        _variant("arcgis_feature_service", url="https://services1.arcgis.com/x/FeatureServer/0"),
        r"field live\.url: .*/query endpoint",
        id="arcgis-url-not-query",
    ),
    pytest.param(
        _variant("fingertips_api", indicator_ids=[]),
        r"field live\.indicator_ids: List should have at least 1",
        id="no-indicators",
    ),
    pytest.param(
        _variant("fingertips_api", child_area_type_id=None),
        r"field live\.child_area_type_id: Field required",
        id="no-area-type",
    ),
    pytest.param(
        _variant("fingertips_api", url="https://fingertips.phe.org.uk/api/all_data/json/by_indicator_id"),
        r"field live\.url: .*by_indicator_id endpoint",
        id="fingertips-json-endpoint",
    ),
    pytest.param(
        _variant("nomis_api", params={"geography": "TYPE464", "UID": "0xabc"}),
        r"field live\.params: .*must not set UID",
        id="uid-in-params",
    ),
    pytest.param(
        _variant("nomis_api", params={"RecordOffset": 0}),
        r"field live\.params: .*must not set RecordOffset",
        id="paging-in-params",
    ),
    pytest.param(
        _variant("nomis_api", url="https://www.nomisweb.co.uk/api/v01/dataset/NM_17_5.data.csv?uid=0xabc"),
        r"field live\.url: .*must not carry a query string",
        id="uid-in-url",
    ),
    pytest.param(
        _variant("nomis_api", uid_env="nomis uid"),
        r"field live\.uid_env: String should match pattern",
        id="bad-uid-env",
    ),
    pytest.param(
        _variant("govuk_asset", landing_page=None), r"field live\.landing_page: Field required", id="no-landing-page"
    ),
    pytest.param(
        _variant("govuk_asset", landing_page="http://www.gov.uk/government/statistics/x"),
        r"field live\.landing_page: .*https",
        id="http-landing-page",
    ),
    pytest.param(
        _variant("govuk_asset", asset_pattern="File_7_(IoD2025"),
        r"field live\.asset_pattern: .*not a valid regular expression",
        id="bad-regex",
    ),
    pytest.param(
        _variant("govuk_asset", asset_pattern=r"File_7_IoD2019.*\.csv$"),
        r"field live: .*does not match the url",
        id="pattern-misses-pinned-asset",
    ),
]


@pytest.mark.parametrize(("live", "message"), INVALID_LIVE_BLOCKS)
def test_invalid_live_blocks_fail_on_load_naming_the_entry_and_field(tmp_path, live, message):
    with pytest.raises(RegistryError, match=rf"source 'example_source', {message}"):
        load_registry(_registry_with_live(tmp_path, live))

"""The bad-input corpus (tests/bad_inputs/cases.py) through the code the build runs, one source at a time.

A full build per corruption would take over half an hour, so each case materialises only its source's real raw
asset (fetch, parse, load `raw.<id>`) and that asset's blocking GX suite, with Dagster, in a scratch warehouse,
and reads the outcome with the CLI's own `describe_problems`. What a failing raw step or blocking check does to
publication (nothing published, the previous release byte-identical) is proven end to end by the full builds in
test_bad_input_blocks_publication.py; here each case proves the build would take that path, with a clear error
(a SourceFormatError, FetchError or failed expectation, never a crash) naming the source and where.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines.cli import describe_problems
from pipelines.defs.quality.checks import build_gx_check
from pipelines.defs.quality.gx_adapter import load_suite_file
from pipelines.defs.sources.assets import build_raw_asset
from pipelines.fetch import Fetcher, FetchError, HttpPolicy, extract_zip_member
from pipelines.readers import SourceFormatError, read_source
from pipelines.registry import Registry, Source, load_registry
from pipelines.settings import EXPECTATIONS_DIR, PROJECT_ROOT, Settings
from tests.bad_inputs.cases import CASES, HTML_ERROR_PAGE, TENURE, XLSX_HEADER_MOVED_DOWN, Case
from tests.conftest import SNAPSHOT_DIR
from tests.http_fixtures import RecordingHTTPServer, running

CLEAR_ERRORS = {"SourceFormatError", "FetchError"}


@pytest.fixture(scope="module")
def registry() -> Registry:
    return load_registry(PROJECT_ROOT / "sources.yaml")


def _settings(warehouse: Path, mirror: Path, mode: str = "snapshot") -> Settings:
    return Settings(
        warehouse_dir=warehouse,
        snapshot_dir=mirror,
        fetch_mode=mode,  # type: ignore[arg-type]
        sources_file=PROJECT_ROOT / "sources.yaml",
        allow_loopback_http=mode == "live",
    )


def materialise_raw(source: Source, registry: Registry, settings: Settings):
    """The source's raw asset and its GX suite, exactly as the build defines them; returns (result, problems)."""
    defs = [build_raw_asset(source, settings, registry)]
    suite = EXPECTATIONS_DIR / f"raw_{source.id}.yml"
    if suite.exists():
        defs.append(build_gx_check(load_suite_file(suite), settings))
    result = dg.materialize(defs, instance=dg.DagsterInstance.ephemeral(), raise_on_error=False)
    return result, describe_problems(result)


def _failure_classes(result) -> set[str]:
    classes = set()
    for event in result.all_events:
        if event.is_step_failure:
            error = event.step_failure_data.error
            while error.cause is not None:
                error = error.cause
            classes.add(error.cls_name)
    return classes


def assert_rejected(result, problems: list[str], expect: tuple[str, ...]) -> str:
    assert not result.success, "the corrupt input was accepted"
    matching = [line for line in problems if all(fragment in line for fragment in expect)]
    assert matching, f"no problem line contains all of {expect}:\n" + "\n".join(problems)
    line = matching[0]
    # It stops publication: a failed raw step (nothing downstream runs) or a failed blocking check.
    assert line.startswith("step raw__") or "failed (blocking)" in line, line
    # A clear, expected error, not a crash with a traceback.
    assert _failure_classes(result) <= CLEAR_ERRORS | {"DagsterAssetCheckFailedError"}, _failure_classes(result)
    assert "Traceback" not in line
    return line


def raw_rows(settings: Settings, source: Source) -> list[tuple]:
    with duckdb.connect(str(settings.build_database), read_only=True) as con:
        return con.sql(f"select * from {source.raw_table}").fetchall()


def _mirror_with(tmp_path: Path, source: Source, data: bytes) -> Path:
    mirror = tmp_path / "mirror"
    target = mirror / source.snapshot_path
    target.parent.mkdir(parents=True)
    target.write_bytes(data)
    return mirror


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_corpus_case(case: Case, registry, tmp_path):
    source = registry.get(case.source_id)
    original = (SNAPSHOT_DIR / source.snapshot_path).read_bytes()
    corrupted = case.corrupt(original)
    assert corrupted != original
    settings = _settings(tmp_path / "warehouse", _mirror_with(tmp_path, source, corrupted))

    result, problems = materialise_raw(source, registry, settings)

    if case.accepted:
        assert result.success, "\n".join(problems)
        assert problems == []
        rows = raw_rows(settings, source)
        if case.rows is not None:
            assert len(rows) == case.rows
    else:
        assert_rejected(result, problems, case.expect)
        assert not (settings.warehouse_dir / "releases").exists()


def test_bom_gives_the_same_table_as_without(registry, tmp_path):
    source = registry.get("ons_lad23_utla23_lookup")
    plain = tmp_path / "plain.csv"
    plain.write_bytes((SNAPSHOT_DIR / source.snapshot_path).read_bytes())
    bom = tmp_path / "bom.csv"
    bom.write_bytes(b"\xef\xbb\xbf" + plain.read_bytes())
    assert read_source(source, bom).equals(read_source(source, plain))
    assert read_source(source, bom).columns[0] == "lad23_code"


def test_suppression_markers_survive_as_text_for_staging(registry, tmp_path):
    """The raw layer keeps markers verbatim (staging turns them into NULL + value_status; see the e2e test)."""
    case = next(c for c in CASES if c.id == "suppression_markers_accepted")
    source = registry.get(case.source_id)
    path = tmp_path / source.file_name
    path.write_bytes(case.corrupt((SNAPSHOT_DIR / source.snapshot_path).read_bytes()))
    observations = read_source(source, path)["observation"].head(6)
    assert observations.iloc[2:5].tolist() == ["[c]", "x", ".."]
    assert observations.isna().iloc[5]


def test_xlsx_header_found_below_a_long_preamble(registry, tmp_path):
    case = XLSX_HEADER_MOVED_DOWN
    source = registry.get(case.source_id)
    path = tmp_path / source.file_name
    path.write_bytes(case.corrupt(b""))
    frame = read_source(source, path)
    assert frame["lsoa11_code"].tolist() == ["E01000001", "E01000002", "E01000003"]
    assert frame["households"].tolist() == ["901", "902", "903"]


# -- GeoJSON (no registered source uses it yet; the reader is exercised on a minimal registry entry) ---------


def _geojson_source() -> Source:
    return Source.model_validate(
        {
            "id": "test_lsoa21_boundaries",
            "title": "LSOA 2021 boundaries",
            "publisher": "ONS",
            "licence": "OGL-3.0",
            "domain": "geography",
            "cadence": "once",
            "geography": {"level": "lsoa", "code_vintage": "LSOA21"},
            "live": {"url": "https://example.org/lsoa21.geojson"},
            "snapshot_path": "boundaries/lsoa21.geojson",
            "format": {"type": "geojson"},
            "columns": {"lsoa21_code": ["LSOA21CD"]},
        }
    )


@pytest.mark.parametrize(
    ("body", "expect"),
    [
        (b'{"type": "FeatureCollection", "features": [{"type": "Feature", "prop', "not valid JSON"),
        (b'{"type": "Feature", "properties": {"LSOA21CD": "E01000001"}}', "not a GeoJSON FeatureCollection"),
        (b'{"type": "FeatureCollection", "features": [{"properties": {"LSOA11CD": "E01000001"}}]}', "column missing"),
    ],
    ids=["geojson_truncated", "geojson_not_a_collection", "geojson_renamed_property"],
)
def test_geojson_corruptions(body: bytes, expect: str, tmp_path):
    path = tmp_path / "lsoa21.geojson"
    path.write_bytes(body)
    with pytest.raises(SourceFormatError) as raised:
        read_source(_geojson_source(), path)
    assert str(raised.value).startswith("source test_lsoa21_boundaries, file lsoa21.geojson")
    assert expect in str(raised.value)


# -- live fetch: bodies served with HTTP 200 that are not the data ------------------------------------------


class _FixedServer(RecordingHTTPServer):
    def __init__(self) -> None:
        super().__init__("127.0.0.1", _FixedHandler)
        self.routes: dict[str, tuple[str, bytes]] = {}


class _FixedHandler(BaseHTTPRequestHandler):
    server: _FixedServer

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        self.server.record(self.path)
        content_type, body = self.server.routes.get(path, ("text/plain", b"not found"))
        self.send_response(200 if path in self.server.routes else 404)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def server() -> Iterator[_FixedServer]:
    with running(_FixedServer()) as fixed:
        yield fixed


def _live(registry: Registry, source: Source, live: dict) -> tuple[Source, Registry]:
    """The source re-pointed at the loopback server, in a registry whose host allowlist is built from it."""
    moved = Source.model_validate({**source.model_dump(mode="json"), "live": live})
    return moved, Registry(version=1, suppression_markers=registry.suppression_markers, sources=[moved])


def test_live_html_error_page_with_status_200(registry, server, tmp_path):
    server.routes["/els/smokers.csv"] = ("text/html", HTML_ERROR_PAGE)
    source, reg = _live(registry, registry.get("ons_els_cigarette_smokers"), {"url": server.url("els/smokers.csv")})
    settings = _settings(tmp_path / "warehouse", tmp_path, mode="live")
    result, problems = materialise_raw(source, reg, settings)
    assert_rejected(result, problems, ("source ons_els_cigarette_smokers", "got an HTML page"))


def test_live_nomis_silent_truncation_is_refused(registry, server, tmp_path):
    # A guest query that hit Nomis's cap: exactly 25,000 rows with HTTP 200 and nothing to say it was cut.
    header = "DATE,GEOGRAPHY_CODE,GEOGRAPHY_NAME,MEASURES_NAME,OBS_VALUE\n"
    body = header + "".join(f"2021,E0100{i:04d},LSOA {i},Value,{i % 97}\n" for i in range(25_000))
    server.routes["/api/v01/dataset/NM_2072_1.data.csv"] = ("text/csv", body.encode())
    live = {"kind": "nomis_api", "url": server.url("api/v01/dataset/NM_2072_1.data.csv"), "params": {"date": "latest"}}
    source, reg = _live(registry, registry.get(TENURE), live)
    settings = _settings(tmp_path / "warehouse", tmp_path, mode="live")
    result, problems = materialise_raw(source, reg, settings)
    line = assert_rejected(result, problems, ("source ons_census2021_tenure_lsoa21", "25,000-cell cap"))
    assert "NM_2072_1.data.csv" in line
    assert not (settings.landing_dir / source.id / source.file_name).exists()


def _zip(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bundle:
        for name, data in entries.items():
            bundle.writestr(name, data)
    return out.getvalue()


def test_live_zip_member_is_extracted_and_loaded(registry, server, tmp_path):
    source = registry.get(TENURE)
    csv_bytes = (SNAPSHOT_DIR / source.snapshot_path).read_bytes()
    server.routes["/census2021-ts054.zip"] = ("application/zip", _zip({"census2021-ts054-lsoa.csv": csv_bytes}))
    live = {"url": server.url("census2021-ts054.zip"), "archive_member": "census2021-ts054-lsoa.csv"}
    source, reg = _live(registry, source, live)
    settings = _settings(tmp_path / "warehouse", tmp_path, mode="live")
    result, problems = materialise_raw(source, reg, settings)
    assert result.success, problems
    landed = settings.landing_dir / source.id
    assert (landed / source.file_name).read_bytes() == csv_bytes
    assert sorted(p.name for p in landed.iterdir()) == [source.file_name]  # the zip itself is gone
    assert len(raw_rows(settings, source)) == 35672


@pytest.mark.parametrize(
    ("entries", "expect"),
    [
        (
            {"../../escaped.csv": b"lsoa,households\n", "census2021-ts054-lsoa.csv": b"x\n"},
            "refusing a zip whose entries escape its folder: ['../../escaped.csv']",
        ),
        ({"/etc/cron.d/evil": b"x\n", "census2021-ts054-lsoa.csv": b"x\n"}, "escape its folder"),
        ({"census2021-ts054-msoa.csv": b"x\n"}, "'census2021-ts054-lsoa.csv'): not in the archive"),
    ],
    ids=["zip_slip_dotdot", "zip_slip_absolute", "zip_member_missing"],
)
def test_live_hostile_or_wrong_zip_is_refused(entries, expect, registry, server, tmp_path):
    server.routes["/census2021-ts054.zip"] = ("application/zip", _zip(entries))
    live = {"url": server.url("census2021-ts054.zip"), "archive_member": "census2021-ts054-lsoa.csv"}
    source, reg = _live(registry, registry.get(TENURE), live)
    settings = _settings(tmp_path / "warehouse", tmp_path / "mirror", mode="live")
    result, problems = materialise_raw(source, reg, settings)
    assert_rejected(result, problems, ("source ons_census2021_tenure_lsoa21", expect))
    written = {p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file()}
    assert not [p for p in written if "escaped" in str(p) or (p.parts[0] == "warehouse" and "landing" in p.parts)]


def test_zip_bomb_stops_at_the_size_cap(tmp_path):
    archive = tmp_path / "bomb.zip"
    archive.write_bytes(_zip({"data.csv": b"0" * 5_000_000}))  # compresses to a few kB
    target = tmp_path / "landing" / "data.csv"
    with pytest.raises(FetchError, match="5,000,000 bytes unpacked, over the 1,000,000-byte limit"):
        extract_zip_member(archive, "data.csv", target, 1_000_000, "source demo (url https://example.org/b.zip)")
    assert not target.parent.exists() or not any(target.parent.iterdir())


def test_oversize_download_is_refused_at_the_fetchers_cap(registry, server, tmp_path):
    server.routes["/big.csv"] = ("text/csv", b"lsoa21_code\n" + b"E01000001\n" * 200_000)
    source, reg = _live(registry, registry.get("ons_lad23_utla23_lookup"), {"url": server.url("big.csv")})
    policy = HttpPolicy(allowed_hosts=reg.allowed_hosts, allow_loopback_http=True, max_bytes=1_000_000)
    fetcher = Fetcher(tmp_path / "landing", mode="live", policy=policy)
    with pytest.raises(
        FetchError, match=r"source ons_lad23_utla23_lookup \(url .*/big.csv\): larger than the 1,000,000"
    ):
        fetcher.fetch(source)
    assert not any(p.is_file() for p in (tmp_path / "landing").rglob("*"))


def test_registry_refuses_an_archive_member_outside_the_archive(registry):
    with pytest.raises(ValueError, match="archive_member must be a relative path inside the archive"):
        _live(registry, registry.get(TENURE), {"url": "https://example.org/a.zip", "archive_member": "../x.csv"})

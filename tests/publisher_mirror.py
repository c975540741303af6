"""A local mirror of the publishers: each snapshot file in its publisher's own format, at its live URL's path.

Each source's snapshot copy is turned into what its publisher serves (`live.serves` in sources.yaml: the
publisher's headers, an xlsx sheet, an R data file) and exposed the way the publisher exposes it (`live.kind`):
  - http_file: the file at the URL's path, or inside a zip at that path when the registry names an archive member;
  - govuk_asset: a landing page linking the asset, and the asset;
  - arcgis_feature_service: an ArcGIS FeatureServer /query endpoint answering counts and pages (JSON attributes, or
    GeoJSON with geometry), capped at a maxRecordCount like the ONS portal's, flagging `exceededTransferLimit`;
  - nomis_api and fingertips_api: the CSV at the API path, for a query carrying the registry's parameters.
The conversion writes the canonical table back under the publisher's names; it never changes a value, so a live
build that reads the mirror correctly must load the same raw tables as a snapshot build.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit, urlunsplit

import pandas as pd
import yaml

from pipelines.readers import cell_text, r_column_text, read_source
from pipelines.registry import (
    ArcGisFeatureServiceAccess,
    FingertipsApiAccess,
    GovUkAssetAccess,
    HttpFileAccess,
    NomisApiAccess,
    OnsCensusObservationsAccess,
    Registry,
    Source,
    load_registry,
)
from tests.http_fixtures import RecordingHTTPServer, running

# The ONS portal's layers answer at most this many records per request (and fewer if asked).
MAX_RECORD_COUNT = 2000


@dataclass
class ArcGisLayer:
    """A FeatureServer layer: attribute rows, or GeoJSON features when the layer is asked for geometry."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    features: list[dict[str, Any]] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.features) if self.features else len(self.rows)


@dataclass
class Route:
    """What the mirror answers at one path."""

    source_id: str
    body: bytes | None = None
    layer: ArcGisLayer | None = None
    required_query: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/octet-stream"


class PublisherMirror(RecordingHTTPServer):
    def __init__(self) -> None:
        super().__init__("127.0.0.1", _Handler)
        self.routes: dict[str, Route] = {}
        self.served: dict[str, Path] = {}  # source id -> the file in its publisher's layout
        self.unavailable: set[str] = set()
        self.bad_data: set[str] = set()

    def loopback(self, url: str) -> str:
        """`url` on this server: the same path and query, another scheme and host."""
        parts = urlsplit(url)
        return urlunsplit(("http", self.base_url.split("://", 1)[1], parts.path, parts.query, ""))

    def add(self, url: str, route: Route) -> None:
        path = urlsplit(url).path
        if path in self.routes and self.routes[path].source_id != route.source_id:
            raise ValueError(f"{route.source_id} and {self.routes[path].source_id} share the path {path}")
        self.routes[path] = route

    def paths_of(self, source_id: str) -> list[str]:
        return [path for path, route in self.routes.items() if route.source_id == source_id]


class _Handler(BaseHTTPRequestHandler):
    server: PublisherMirror

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        self.server.record(self.path)
        route = self.server.routes.get(parts.path)
        if route is None:
            self._send(404, b"not found", "text/plain")
            return
        if route.source_id in self.server.unavailable:
            self._send(503, b"Service Unavailable", "text/plain")
            return
        if route.source_id in self.server.bad_data:
            self._send(200, b"area,value\nE06000001,12\n", "text/csv")
            return
        query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        wrong = {k: v for k, v in route.required_query.items() if query.get(k) != v}
        if wrong:
            self._send(400, f"unexpected query {query} (expected {wrong})".encode(), "text/plain")
            return
        if route.layer is not None:
            self._send(200, json.dumps(_answer(route.layer, query)).encode(), "application/json")
        else:
            assert route.body is not None
            self._send(200, route.body, route.content_type)

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _answer(layer: ArcGisLayer, query: dict[str, str]) -> dict[str, Any]:
    """A FeatureServer /query answer: a count, or one page (JSON attributes or GeoJSON), as the ONS portal pages."""
    if query.get("returnCountOnly") == "true":
        return {"count": layer.count}
    offset = int(query.get("resultOffset", 0))
    size = min(int(query.get("resultRecordCount", MAX_RECORD_COUNT)), MAX_RECORD_COUNT)
    if query.get("f") == "geojson":
        page = layer.features[offset : offset + size]
        more = offset + size < len(layer.features)
        return {"type": "FeatureCollection", "features": page, "properties": {"exceededTransferLimit": more}}
    page_rows = layer.rows[offset : offset + size]
    fields = [{"name": name, "type": "esriFieldTypeString"} for name in (layer.rows[0] if layer.rows else {})]
    answer: dict[str, Any] = {"fields": fields, "features": [{"attributes": row} for row in page_rows]}
    if offset + size < len(layer.rows):
        answer["exceededTransferLimit"] = True
    return answer


# -- the publisher's layout ------------------------------------------------------------------------------------
def publisher_table(source: Source, snapshot_dir: Path) -> pd.DataFrame:
    """The snapshot's canonical table under the publisher's headers (`live.serves.headers`).

    Declared columns the publisher does not carry (optional ones missing from `headers`) are left out; columns a
    wide source keeps unlisted keep their names."""
    serves = source.live.serves
    assert serves is not None
    table = read_source(source, snapshot_dir / source.snapshot_path)
    renames = {}
    for column in table.columns:
        if column in serves.headers:
            renames[column] = serves.headers[column]
        elif column in source.columns:
            spec = source.columns[column]
            if spec.required and serves.headers:
                raise ValueError(f"{source.id}: live.serves.headers does not name required column {column!r}")
            if serves.headers:
                continue
            renames[column] = spec.aliases[0]
        else:
            renames[column] = column
    return table[list(renames)].rename(columns=renames)


def _numbers_if_lossless(column: pd.Series, as_text) -> pd.Series:
    """The column as float64 if the reader's text of those numbers (`as_text`, a column function) is the text we
    started from, as with a publisher's numeric cells; otherwise as text (None where missing), e.g. codes '01'."""
    text = column.astype(object).where(column.notna(), None)
    try:
        numbers = pd.to_numeric(column, errors="raise").astype("float64")
    except (TypeError, ValueError):
        return text
    return numbers if as_text(numbers).tolist() == text.tolist() else text


def _cell_by_cell(numbers: pd.Series) -> pd.Series:
    """How a workbook's numeric cells read back: cell by cell, as the xlsx reader renders them."""
    return numbers.astype(object).map(cell_text)


def publisher_file(source: Source, snapshot_dir: Path, workdir: Path) -> Path:
    """The file the publisher serves for `source`: the snapshot file itself, or its table in `live.serves`'s layout."""
    snapshot_file = snapshot_dir / source.snapshot_path
    serves = source.live.serves
    if serves is None:
        return snapshot_file
    fmt = source.file_format("live")
    target = workdir / source.id / source.artefact_name("live")
    target.parent.mkdir(parents=True, exist_ok=True)
    if fmt.type == "geojson":
        document = json.loads(snapshot_file.read_text(encoding=fmt.encoding))
        renames = {
            alias: serves.headers[c]
            for c, spec in source.columns.items()
            if c in serves.headers
            for alias in spec.aliases
        }
        for feature in document["features"]:
            feature["properties"] = {renames.get(k, k): v for k, v in (feature.get("properties") or {}).items()}
        target.write_text(json.dumps(document), encoding="utf-8")
        return target
    table = publisher_table(source, snapshot_dir)
    if fmt.type == "csv":
        table.to_csv(target, index=False, encoding=fmt.encoding)
    elif fmt.type == "xlsx":
        _write_xlsx(table, target, fmt.sheet or "Sheet1")
    elif fmt.type == "rda":
        import pyreadr

        frame = pd.DataFrame({name: _numbers_if_lossless(table[name], r_column_text) for name in table.columns})
        pyreadr.write_rdata(str(target), frame, df_name=fmt.rda_object)
    else:
        raise ValueError(f"{source.id}: no publisher layout writer for {fmt.type}")
    return target


def _write_xlsx(table: pd.DataFrame, target: Path, sheet: str) -> None:
    """A publisher workbook: a cover sheet, then the data sheet with title rows above the header, numbers as numbers."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(target), {"constant_memory": True})
    workbook.add_worksheet("Contents").write(0, 0, "Contents")
    worksheet = workbook.add_worksheet(sheet)
    worksheet.write(0, 0, f"{sheet}: mirrored from the snapshot for the live-path test")
    worksheet.write(1, 0, "Source: Office for National Statistics")
    header_row = 3
    for col, name in enumerate(table.columns):
        worksheet.write(header_row, col, name)
    columns = [_numbers_if_lossless(table[name], _cell_by_cell).tolist() for name in table.columns]
    for row_index, row in enumerate(zip(*columns, strict=True), start=header_row + 1):
        # a missing value is an empty cell (write_row leaves None blank)
        worksheet.write_row(row_index, 0, [None if value != value else value for value in row])
    workbook.close()


# -- the routes of every source ---------------------------------------------------------------------------------
def mirror_registry(raw: dict, registry: Registry, mirror: PublisherMirror, snapshot_dir: Path, workdir: Path) -> dict:
    """Add every source's routes to `mirror`, and return the registry (as YAML data) with its URLs on the mirror."""
    for entry in raw["sources"]:
        source = registry.get(entry["id"])
        access = source.live
        live = entry["live"]
        artefact = publisher_file(source, snapshot_dir, workdir)
        mirror.served[source.id] = artefact
        if isinstance(access, ArcGisFeatureServiceAccess):
            mirror.add(access.url, Route(source.id, layer=_layer(access, artefact)))
        elif isinstance(access, GovUkAssetAccess):
            asset_url = mirror.loopback(access.url)
            page = f'<html><body><a href="/other/notes.pdf">Notes</a><a href="{asset_url}">Data</a></body></html>'
            mirror.add(access.landing_page, Route(source.id, body=page.encode(), content_type="text/html"))
            mirror.add(access.url, Route(source.id, body=artefact.read_bytes()))
            live["landing_page"] = mirror.loopback(access.landing_page)
        elif isinstance(access, NomisApiAccess):
            mirror.add(access.url, Route(source.id, body=artefact.read_bytes(), required_query=dict(access.params)))
        elif isinstance(access, FingertipsApiAccess):
            ids = ",".join(str(i) for i in access.indicator_ids)
            query = {"indicator_ids": ids, "child_area_type_id": str(access.child_area_type_id)}
            mirror.add(access.url, Route(source.id, body=artefact.read_bytes(), required_query=query))
        elif isinstance(access, OnsCensusObservationsAccess):
            query = {"area-type": access.area_type, "dimensions": access.dimension}
            body = _census_observations(artefact, access)
            mirror.add(access.url, Route(source.id, body=body, required_query=query, content_type="application/json"))
        elif isinstance(access, HttpFileAccess) and access.archive_member:
            mirror.add(access.url, Route(source.id, body=_zip_with(access.archive_member, artefact.read_bytes())))
        else:
            mirror.add(access.url, Route(source.id, body=artefact.read_bytes()))
        live["url"] = mirror.loopback(access.url)
    return raw


def _census_observations(artefact: Path, access: OnsCensusObservationsAccess) -> bytes:
    """ONS's census-observations JSON for a table laid out one row per area ("<label> Code", "<label>", categories)."""
    frame = pd.read_csv(artefact, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    code, name, *categories = frame.columns
    observations = [
        {
            "dimensions": [
                {
                    "dimension": access.area_label,
                    "dimension_id": access.area_type,
                    "option": row[name],
                    "option_id": row[code],
                },
                {
                    "dimension": access.dimension,
                    "dimension_id": access.dimension,
                    "option": category,
                    "option_id": str(i),
                },
            ],
            "observation": int(row[category]),
        }
        for row in frame.to_dict(orient="records")
        for i, category in enumerate(categories, start=1)
    ]
    answer = {"observations": observations, "total_observations": len(observations), "total_areas": len(frame)}
    return json.dumps({**answer, "blocked_areas": 0}).encode()


def _zip_with(member: str, data: bytes) -> bytes:
    """A publisher's bundle: the member among other files (Nomis zips hold one CSV per geography level)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("metadata/readme.txt", "other members of the publisher's bundle\n")
        bundle.writestr(member, data)
    return buffer.getvalue()


def _layer(access: ArcGisFeatureServiceAccess, artefact: Path) -> ArcGisLayer:
    if access.geometry:
        document = json.loads(artefact.read_text(encoding="utf-8-sig"))
        features = [
            {"type": "Feature", "properties": feature.get("properties") or {}, "geometry": feature.get("geometry")}
            for feature in document["features"]
        ]
        return ArcGisLayer(features=features)
    frame = pd.read_csv(artefact, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    rows = [{k: (v if v != "" else None) for k, v in row.items()} for row in frame.to_dict(orient="records")]
    return ArcGisLayer(rows=rows)


@contextmanager
def serving(
    sources_file: Path, snapshot_dir: Path, workdir: Path, only: set[str] | None = None
) -> Iterator[tuple[PublisherMirror, Path]]:
    """A running mirror of the registry's sources (or `only` these), and a sources.yaml whose live URLs point at it."""
    registry = load_registry(sources_file)
    raw = yaml.safe_load(sources_file.read_text(encoding="utf-8"))
    if only is not None:
        raw["sources"] = [entry for entry in raw["sources"] if entry["id"] in only]
    with running(PublisherMirror()) as server:
        live_raw = mirror_registry(raw, registry, server, snapshot_dir, workdir)
        mirrored = workdir / "sources.yaml"
        mirrored.write_text(yaml.safe_dump(live_raw, sort_keys=False, allow_unicode=True), encoding="utf-8")
        yield server, mirrored

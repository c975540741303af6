"""`arcgis_feature_service`: an ONS Open Geography Portal FeatureServer layer, landed as a CSV of its attributes.

The layer is read with `returnCountOnly=true` first, then page by page (`resultOffset`/`resultRecordCount`,
ordered by `order_by` so pages neither overlap nor skip). ArcGIS caps each response at the service's
maxRecordCount and reports failures as an error object with HTTP 200, so: the offset advances by the records
actually received, an error object is an error, and the rows received must equal the count (silent truncation).
The CSV header is the layer's field names (LSOA21CD, ICB24CD, ...), which the registry's column aliases list.

With `geometry: true` (boundaries) the pages are asked for as GeoJSON in WGS84 and landed as one FeatureCollection:
a single `f=geojson` request stops at maxRecordCount (2,000 on the ONS portal) with nothing but a flag to say so,
which would silently drop most of the 7,264 MSOAs.
"""

from __future__ import annotations

import csv
import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import requests

from pipelines.fetch import RETRYABLE_STATUSES, Fetcher, FetchError, Landed, RetryableFetchError, read_body
from pipelines.registry import ArcGisFeatureServiceAccess, Source

log = logging.getLogger(__name__)


def fetch(fetcher: Fetcher, source: Source, target: Path) -> Landed:
    """Page through the layer into a UTF-8 CSV at `target`; `fetched_from` is the query without paging."""
    access = source.live
    assert isinstance(access, ArcGisFeatureServiceAccess)
    query = {
        "where": access.where,
        "outFields": ",".join(access.out_fields) if access.out_fields else "*",
        "returnGeometry": "true" if access.geometry else "false",
        "orderByFields": ",".join(access.order_by),
        "f": "geojson" if access.geometry else "json",
    }
    if access.geometry:
        query["outSR"] = "4326"
    query_url = f"{access.url}?{urlencode(query)}"
    count_url = f"{access.url}?{urlencode({'where': access.where, 'returnCountOnly': 'true', 'f': 'json'})}"
    expected = _record_count(_query(fetcher, source.id, count_url), source.id, count_url)
    describe = f"source {source.id} (url {query_url})"
    pages = _pages(fetcher, source.id, access, query, expected)
    body = _geojson_bytes(pages) if access.geometry else _csv_bytes(pages, describe)
    sha, size = fetcher.land(body, target, describe)
    log.info("source %s: %s records from %s", source.id, f"{expected:,}", access.url)
    return Landed(query_url, sha, size)


def _pages(
    fetcher: Fetcher, source_id: str, access: ArcGisFeatureServiceAccess, query: dict[str, str], expected: int
) -> Iterator[tuple[list[str], list[dict[str, Any]]]]:
    """Yield (field names, attribute rows) per page until the layer is exhausted, then check the total."""
    received = 0
    while True:
        url = f"{access.url}?{urlencode({**query, 'resultOffset': received, 'resultRecordCount': access.page_size})}"
        page = _query(fetcher, source_id, url)
        features = page.get("features")
        if not isinstance(features, list):
            raise FetchError(f"source {source_id} (url {url}): the response has no 'features' list")
        # JSON pages flag truncation at the top level, GeoJSON pages under "properties".
        more = bool(page.get("exceededTransferLimit") or (page.get("properties") or {}).get("exceededTransferLimit"))
        if not features:
            if received == 0:
                raise FetchError(f"source {source_id} (url {url}): the layer returned no records")
            if more:
                raise FetchError(f"source {source_id} (url {url}): empty page but exceededTransferLimit is set")
            break
        if access.geometry:
            yield [], [_geojson_feature(feature, source_id, url) for feature in features]
        else:
            yield _field_names(page, features), [_attributes(feature, source_id, url) for feature in features]
        received += len(features)
        if fetcher.preview_bytes is not None:  # a dry run: the first page shows the layer's fields
            return
        # Bounds the loop: every page advances, and never past the count.
        if received > expected:
            raise FetchError(
                f"source {source_id} (url {access.url}): received {received:,} records, more than the "
                f"{expected:,} counted; is order_by ({','.join(access.order_by)}) unique?"
            )
        if len(features) < access.page_size and not more:
            break
    if received != expected:
        raise FetchError(
            f"source {source_id} (url {access.url}): received {received:,} records but the layer counts "
            f"{expected:,}: the response was truncated"
        )


def _csv_bytes(pages: Iterator[tuple[list[str], list[dict[str, Any]]]], describe: str) -> Iterator[bytes]:
    header: list[str] | None = None
    for fields, rows in pages:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        if header is None:
            header = fields
            writer.writerow(header)
        for row in rows:
            if row.keys() != set(header):
                raise FetchError(f"{describe}: a record's fields {sorted(row)} differ from the layer's {header}")
            writer.writerow("" if row[name] is None else row[name] for name in header)
        yield buffer.getvalue().encode("utf-8")


def _geojson_bytes(pages: Iterator[tuple[list[str], list[dict[str, Any]]]]) -> Iterator[bytes]:
    yield b'{"type":"FeatureCollection","features":['
    first = True
    for _, features in pages:
        for feature in features:
            yield (b"" if first else b",") + json.dumps(feature, separators=(",", ":")).encode("utf-8")
            first = False
    yield b"]}"


def _geojson_feature(feature: Any, source_id: str, url: str) -> dict[str, Any]:
    if not isinstance(feature, dict) or not isinstance(feature.get("properties"), dict) or "geometry" not in feature:
        raise FetchError(f"source {source_id} (url {url}): a GeoJSON feature has no properties or geometry")
    return feature


def _field_names(page: dict[str, Any], features: list[Any]) -> list[str]:
    fields = page.get("fields")
    if isinstance(fields, list) and fields and all(isinstance(f, dict) and "name" in f for f in fields):
        return [str(field["name"]) for field in fields]
    first = features[0].get("attributes") if isinstance(features[0], dict) else None
    return list(first) if isinstance(first, dict) else []


def _attributes(feature: Any, source_id: str, url: str) -> dict[str, Any]:
    attributes = feature.get("attributes") if isinstance(feature, dict) else None
    if not isinstance(attributes, dict):
        raise FetchError(f"source {source_id} (url {url}): a feature has no 'attributes' object")
    return attributes


def _record_count(payload: dict[str, Any], source_id: str, url: str) -> int:
    count = payload.get("count")
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        raise FetchError(f"source {source_id} (url {url}): expected a record count, got {str(payload)[:200]!r}")
    return count


def _query(fetcher: Fetcher, source_id: str, url: str) -> dict[str, Any]:
    """One FeatureServer request as JSON; an error object (sent with HTTP 200) raises, and is retried if 5xx."""

    def parse(response: requests.Response) -> dict[str, Any]:
        describe = f"source {source_id} (url {response.url})"
        body = read_body(response, describe)
        try:
            payload = json.loads(body)
        except ValueError:
            raise FetchError(f"{describe}: not JSON: {body[:120]!r}") from None
        if not isinstance(payload, dict):
            raise FetchError(f"{describe}: expected a JSON object, got {type(payload).__name__}")
        error = payload.get("error")
        if error is not None:
            code = error.get("code") if isinstance(error, dict) else None
            message = error.get("message", "") if isinstance(error, dict) else error
            details = error.get("details") if isinstance(error, dict) else None
            text = f"{describe}: ArcGIS error {code}: {message}" + (f" {details}" if details else "")
            if code in RETRYABLE_STATUSES:
                raise RetryableFetchError(text)
            raise FetchError(text)
        return payload

    return fetcher.request(source_id, url, parse)

"""Cheap checks for a new publisher release, one per live kind, for the release sensors.

Each probe returns a marker that changes when the publisher releases (an HTTP validator, an ArcGIS layer's last
edit date, Fingertips' last upload date, a hash of a small metadata response) without downloading the artefact.
Every request goes through the Fetcher's allowlist, loopback rule, redirect checks and retries. In snapshot mode
the marker is the snapshot file's sha256, hashed again only when its size or modification time changed.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from pipelines.adapters.govuk_asset import find_asset
from pipelines.fetch import Fetcher, FetchError
from pipelines.registry import (
    ArcGisFeatureServiceAccess,
    FingertipsApiAccess,
    GovUkAssetAccess,
    HttpFileAccess,
    NomisApiAccess,
    OnsCensusObservationsAccess,
    Source,
)

# Cursor entry of one source: {"marker": str, ...what the probe needs next time}.
Seen = dict[str, Any]
VALIDATOR_HEADERS = ("ETag", "Last-Modified", "Content-Length")


def _sha256_bytes(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def probe_snapshot(source: Source, snapshot_dir: Path, previous: Seen | None) -> Seen:
    path = snapshot_dir / source.snapshot_path
    if not path.is_file():
        raise FetchError(f"source {source.id}: {path} not found in the snapshot mirror")
    stat = path.stat()
    if previous and previous.get("size") == stat.st_size and previous.get("mtime_ns") == stat.st_mtime_ns:
        return previous
    return {"marker": f"sha256={_sha256_file(path)}", "size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def _validators(headers: dict[str, str]) -> dict[str, str]:
    folded = {name.lower(): value for name, value in headers.items()}
    return {name: folded[name.lower()] for name in VALIDATOR_HEADERS if name.lower() in folded}


def _http_file(fetcher: Fetcher, source: Source) -> Seen | None:
    _, headers = fetcher.head(source.id, source.live.url)
    validators = _validators(headers)
    # Without a validator a HEAD cannot tell releases apart; the cadence schedule refreshes such a source.
    return {"marker": json.dumps(validators, sort_keys=True)} if validators else None


def _govuk_asset(fetcher: Fetcher, source: Source) -> Seen:
    access = source.live
    assert isinstance(access, GovUkAssetAccess)
    page_url, body = fetcher.get_body(source.id, access.landing_page)
    # A re-issue usually comes under a new hashed URL, so the link itself is part of the marker.
    asset_url = find_asset(source.id, page_url, body.decode("utf-8", errors="replace"), access.asset_pattern)
    _, headers = fetcher.head(source.id, asset_url)
    return {"marker": json.dumps({"asset_url": asset_url, **_validators(headers)}, sort_keys=True)}


def _json(body: bytes, source_id: str, url: str) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        raise FetchError(f"source {source_id} (url {url}): expected JSON") from None


def _arcgis(fetcher: Fetcher, source: Source) -> Seen:
    access = source.live
    assert isinstance(access, ArcGisFeatureServiceAccess)
    layer_url = access.url.removesuffix("/query") + "?f=json"
    final_url, body = fetcher.get_body(source.id, layer_url)
    layer = _json(body, source.id, final_url)
    if isinstance(layer, dict) and "error" in layer:
        raise FetchError(f"source {source.id} (url {final_url}): {str(layer['error'])[:200]}")
    last_edit = (layer.get("editingInfo") or {}).get("lastEditDate") if isinstance(layer, dict) else None
    if last_edit is not None:
        return {"marker": f"lastEditDate={last_edit}"}
    return {"marker": f"sha256={_sha256_bytes(body)}"}


def _fingertips(fetcher: Fetcher, source: Source) -> Seen:
    access = source.live
    assert isinstance(access, FingertipsApiAccess)
    base = access.url.split("/api/", 1)[0]
    changes: dict[str, Any] = {}
    for indicator_id in access.indicator_ids:
        # The API's own record of when each indicator's data was last uploaded or deleted.
        final_url, body = fetcher.get_body(source.id, f"{base}/api/data_changes?indicator_id={indicator_id}")
        payload = _json(body, source.id, final_url)
        if isinstance(payload, dict) and ("LastUploadedAt" in payload or "LastDeletedAt" in payload):
            changes[str(indicator_id)] = [payload.get("LastUploadedAt"), payload.get("LastDeletedAt")]
        else:
            changes[str(indicator_id)] = f"sha256={_sha256_bytes(body)}"
    return {"marker": json.dumps(changes, sort_keys=True)}


def _nomis(fetcher: Fetcher, source: Source) -> Seen:
    access = source.live
    assert isinstance(access, NomisApiAccess)
    # The dataset definition is small and changes when Nomis loads a new period; no uid is needed for it.
    definition_url = access.url.removesuffix(".data.csv") + ".def.sdmx.json"
    _, body = fetcher.get_body(source.id, definition_url)
    return {"marker": f"sha256={_sha256_bytes(body)}"}


def probe_live(fetcher: Fetcher, source: Source) -> Seen | None:
    """The source's current release marker from its publisher; None if nothing cheap can tell releases apart."""
    access = source.live
    if isinstance(access, HttpFileAccess):
        return _http_file(fetcher, source)
    if isinstance(access, GovUkAssetAccess):
        return _govuk_asset(fetcher, source)
    if isinstance(access, ArcGisFeatureServiceAccess):
        return _arcgis(fetcher, source)
    if isinstance(access, FingertipsApiAccess):
        return _fingertips(fetcher, source)
    if isinstance(access, NomisApiAccess):
        return _nomis(fetcher, source)
    if isinstance(access, OnsCensusObservationsAccess):
        # Census 2021 tables are published once; the API offers no cheap marker short of the whole answer.
        return None
    raise ValueError(f"no release probe for live kind {access.kind!r}")

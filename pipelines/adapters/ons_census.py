"""`ons_census_observations`: ONS's Census 2021 API, one observation per area and category, landed as a wide CSV.

`GET /v1/population-types/UR/census-observations?area-type=lsoa&dimensions=resident_age_6a` answers every area of
the type at once as JSON: `observations` (each with its `dimensions`, area first, and the `observation`),
`total_observations` and `blocked_areas` (areas withheld for disclosure control). The body is landed beside the
target, checked and pivoted to one row per area: "<area label> Code", "<area label>", then one column per
category label in ONS's order, as ONS's custom-dataset CSV reads once pivoted. Every check fails loudly: an area
blocked or short of a category would otherwise become a missing row or a zero.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from pipelines.fetch import Fetcher, FetchError, Landed
from pipelines.registry import OnsCensusObservationsAccess, Source


def fetch(fetcher: Fetcher, source: Source, target: Path) -> Landed:
    access = source.live
    assert isinstance(access, OnsCensusObservationsAccess)
    url = f"{access.url}?{urlencode({'area-type': access.area_type, 'dimensions': access.dimension})}"
    answer = target.with_name(f".{target.name}.json")
    try:
        landed = fetcher.download(source.id, url, answer)
        describe = f"source {source.id} (url {landed.fetched_from})"
        try:
            payload = json.loads(answer.read_bytes())
        except ValueError:
            raise FetchError(f"{describe}: not JSON") from None
    finally:
        answer.unlink(missing_ok=True)
    areas, categories = _pivot(payload, access, describe)
    sha, size = fetcher.land(_csv_bytes(areas, categories, access.area_label), target, describe)
    return Landed(landed.fetched_from, sha, size)


def _pivot(
    payload: Any, access: OnsCensusObservationsAccess, describe: str
) -> tuple[dict[str, tuple[str, dict[str, Any]]], list[str]]:
    if not isinstance(payload, dict) or not isinstance(payload.get("observations"), list):
        raise FetchError(f"{describe}: the answer has no 'observations' list")
    observations = payload["observations"]
    if payload.get("blocked_areas"):
        raise FetchError(f"{describe}: {payload['blocked_areas']} areas are blocked (disclosure control)")
    if payload.get("total_observations") not in (None, len(observations)):
        raise FetchError(
            f"{describe}: {len(observations):,} observations of the {payload['total_observations']:,} announced"
        )
    areas: dict[str, tuple[str, dict[str, Any]]] = {}
    categories: dict[str, None] = {}
    for item in observations:
        dims = {d.get("dimension_id"): d for d in item.get("dimensions", []) if isinstance(d, dict)}
        area, category = dims.get(access.area_type), dims.get(access.dimension)
        if area is None or category is None or len(dims) != 2 or "observation" not in item:
            raise FetchError(
                f"{describe}: an observation without exactly the dimensions {access.area_type} and "
                f"{access.dimension}: {str(item)[:200]}"
            )
        label = str(category["option"])
        categories.setdefault(label)
        code, name = str(area["option_id"]), str(area["option"])
        cells = areas.setdefault(code, (name, {}))[1]
        if label in cells:
            raise FetchError(f"{describe}: area {code} has category {label!r} twice")
        cells[label] = item["observation"]
    if not areas:
        raise FetchError(f"{describe}: no observations")
    short = [code for code, (_, cells) in areas.items() if len(cells) != len(categories)]
    if short:
        raise FetchError(f"{describe}: {len(short)} areas lack a category (first: {short[0]})")
    return areas, list(categories)


def _csv_bytes(areas: dict[str, tuple[str, dict[str, Any]]], categories: list[str], label: str) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([f"{label} Code", label, *categories])
    for code, (name, cells) in areas.items():
        writer.writerow([code, name, *(cells[category] for category in categories)])
    yield buffer.getvalue().encode("utf-8")

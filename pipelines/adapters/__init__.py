"""Live adapters, one per publisher type: `live.kind` in sources.yaml picks the adapter that lands the artefact.

Each adapter does only the publisher-specific part (building the query, paging, finding the asset link,
checking the body) and leaves HTTP to the Fetcher: the host allowlist, redirects, retries with backoff and the
temp-file-then-rename landing are shared, so every adapter fails the same way and never half-writes a file.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pipelines.adapters import arcgis, fingertips, govuk_asset, http_file, nomis, ons_census
from pipelines.fetch import Fetcher, Landed
from pipelines.registry import Source

Adapter = Callable[[Fetcher, Source, Path], Landed]

ADAPTERS: dict[str, Adapter] = {
    "http_file": http_file.fetch,
    "arcgis_feature_service": arcgis.fetch,
    "fingertips_api": fingertips.fetch,
    "nomis_api": nomis.fetch,
    "govuk_asset": govuk_asset.fetch,
    "ons_census_observations": ons_census.fetch,
}


def adapter_for(kind: str) -> Adapter:
    """The adapter that lands a source whose `live.kind` is `kind`."""
    try:
        return ADAPTERS[kind]
    except KeyError:
        raise ValueError(f"no live adapter for kind {kind!r}") from None

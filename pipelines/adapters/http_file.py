"""`http_file`: the publisher's file, downloaded as-is (Explore Local Statistics CSVs, pinned raw files)."""

from __future__ import annotations

from pathlib import Path

from pipelines.fetch import Fetcher, Landed
from pipelines.registry import Source


def fetch(fetcher: Fetcher, source: Source, target: Path) -> Landed:
    """Stream `live.url` into `target`; `fetched_from` is the final URL after redirects."""
    return fetcher.download(source.id, source.live.url, target)

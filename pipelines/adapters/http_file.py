"""`http_file`: the publisher's file, downloaded as-is (Explore Local Statistics CSVs, pinned raw files).

With `archive_member` the URL serves a zip (Nomis census bulk downloads); the zip is downloaded beside the target,
the one named member is extracted safely into place (see `extract_zip_member`) and the zip is deleted.
"""

from __future__ import annotations

from pathlib import Path

from pipelines.fetch import Fetcher, Landed, extract_zip_member
from pipelines.registry import HttpFileAccess, Source


def fetch(fetcher: Fetcher, source: Source, target: Path) -> Landed:
    """Stream `live.url` into `target`; `fetched_from` is the final URL after redirects (and `#member`)."""
    access = source.live
    member = access.archive_member if isinstance(access, HttpFileAccess) else None
    if member is None:
        return fetcher.download(source.id, access.url, target, line_based=source.file_format("live").type == "csv")
    archive = target.with_name(f".{target.name}.zip")
    try:
        landed = fetcher.download(source.id, access.url, archive)
        sha, size = extract_zip_member(
            archive, member, target, fetcher.policy.max_bytes, f"source {source.id} (url {landed.fetched_from})"
        )
    finally:
        archive.unlink(missing_ok=True)
    return Landed(f"{landed.fetched_from}#{member}", sha, size)

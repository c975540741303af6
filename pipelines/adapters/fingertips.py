"""`fingertips_api`: OHID Fingertips data for given indicators at one area type, as the API's CSV.

Fingertips answers some failures with HTTP 200 and an HTML or JSON page, so the header is checked before the
body lands. The CSV is kept byte for byte: NHS area codes carry an `n` prefix (`nE54000055`) that dbt handles.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from urllib.parse import urlencode

from pipelines.adapters._csv_checks import CsvShape, checked_csv
from pipelines.fetch import Fetcher, FetchError, Landed
from pipelines.registry import FingertipsApiAccess, Source

HEADER_PREFIX = "Indicator ID,Indicator Name,Parent Code"


def fetch(fetcher: Fetcher, source: Source, target: Path) -> Landed:
    """Download the indicators' CSV into `target`, refusing a body without the Fingertips header or rows."""
    access = source.live
    assert isinstance(access, FingertipsApiAccess)
    params = {
        "indicator_ids": ",".join(str(i) for i in access.indicator_ids),
        "child_area_type_id": access.child_area_type_id,
        "parent_area_type_id": access.parent_area_type_id,
    }
    if access.profile_id is not None:
        params["profile_id"] = access.profile_id
    url = f"{access.url}?{urlencode(params, safe=',')}"

    def require_rows(shape: CsvShape) -> None:
        if shape.data_rows == 0:
            raise FetchError(
                f"source {source.id} (url {url}): header but no data rows; check that indicators "
                f"{params['indicator_ids']} are published for area type {access.child_area_type_id} "
                f"under parent area type {access.parent_area_type_id} (/api/area_types)"
            )

    def check(chunks: Iterable[bytes], describe: str) -> Iterator[bytes]:
        return checked_csv(chunks, describe, header_prefix=HEADER_PREFIX, on_complete=require_rows)

    return fetcher.download(source.id, url, target, check=check, line_based=True)

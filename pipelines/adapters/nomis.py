"""`nomis_api`: a Nomis dataset query as CSV (`/api/v01/dataset/<id>.data.csv`).

Nomis truncates silently: a guest request stops at 25,000 cells and a request with a uid at 100,000 rows, both
with HTTP 200. A response that reaches the cap is therefore refused as probably incomplete. The optional uid is
read only from the environment variable the registry names, and is redacted from every URL, message and log
record (including urllib3's request lines) before any of them leaves the fetcher.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from urllib.parse import urlencode

from pipelines.adapters._csv_checks import CsvShape, checked_csv
from pipelines.fetch import Fetcher, FetchError, Landed, Redactor
from pipelines.registry import NomisApiAccess, Source

log = logging.getLogger(__name__)

GUEST_CELL_CAP = 25_000
UID_ROW_CAP = 100_000


def fetch(fetcher: Fetcher, source: Source, target: Path) -> Landed:
    """Download the query's CSV into `target`; refuse it if it reaches the row cap or has no rows."""
    access = source.live
    assert isinstance(access, NomisApiAccess)
    uid = os.environ.get(access.uid_env, "").strip() if access.uid_env else ""
    redact = Redactor.of(uid)
    params = dict(access.params)
    if uid:
        params["uid"] = uid
        cap, cap_text = UID_ROW_CAP, f"{UID_ROW_CAP:,}-row cap for requests with a uid"
    else:
        cap, cap_text = GUEST_CELL_CAP, f"{GUEST_CELL_CAP:,}-cell cap for guest requests"
        log.info(
            "source %s: no Nomis uid in %s; the %s applies", source.id, access.uid_env or "the environment", cap_text
        )
    url = f"{access.url}?{urlencode(params, safe=',:')}"

    def within_cap(shape: CsvShape) -> None:
        where = f"source {source.id} (url {redact(url)})"
        if shape.data_rows == 0:
            raise FetchError(f"{where}: header but no data rows; check the query parameters")
        if shape.data_rows >= cap:
            advice = "narrow the query (fewer geographies, dates, measures or variables, or split the source)"
            if not uid:
                advice += f", or set {access.uid_env or 'uid_env'} to a Nomis uid for the {UID_ROW_CAP:,}-row cap"
            raise FetchError(
                f"{where}: {shape.data_rows:,} rows reach Nomis's {cap_text}; Nomis truncates silently with "
                f"HTTP 200, so the response is probably incomplete: {advice}"
            )

    def check(chunks: Iterable[bytes], describe: str) -> Iterator[bytes]:
        return checked_csv(chunks, describe, on_complete=within_cap)

    return fetcher.download(source.id, url, target, check=check, redact=redact, line_based=True)

"""Checks on a CSV body while it streams to disk, shared by the API adapters.

APIs answer some failures with HTTP 200 and an HTML or JSON page, or with a silently truncated CSV. These checks
run inside the body stream, so raising rejects the body before the temp file is renamed into place.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from pipelines.fetch import FetchError

HEAD_BYTES = 64 * 1024
EXCERPT_CHARS = 120


@dataclass(frozen=True)
class CsvShape:
    """The header line of a streamed CSV and how many lines followed it."""

    header: str
    data_rows: int


def checked_csv(
    chunks: Iterable[bytes],
    describe: str,
    *,
    header_prefix: str | None = None,
    on_complete: Callable[[CsvShape], None] | None = None,
) -> Iterator[bytes]:
    """Yield `chunks` unchanged, rejecting an HTML/JSON page or a header without `header_prefix`.

    When the stream ends, `on_complete` gets the header and the number of data rows and may raise FetchError.
    Rows are counted as lines, which holds for the API CSVs used here (no line breaks inside quoted values).
    """
    stream = iter(chunks)
    head = bytearray()
    for chunk in stream:
        head += chunk
        if b"\n" in head or len(head) >= HEAD_BYTES:
            break
    header = bytes(head).split(b"\n", 1)[0].decode("utf-8", errors="replace").lstrip("\ufeff").rstrip("\r")
    _require_csv_header(header, describe, header_prefix)

    newlines = head.count(b"\n")
    last_byte = head[-1:]
    yield bytes(head)
    for chunk in stream:
        if chunk:
            newlines += chunk.count(b"\n")
            last_byte = chunk[-1:]
            yield chunk
    lines = newlines + (1 if last_byte not in (b"", b"\n") else 0)
    if on_complete is not None:
        on_complete(CsvShape(header=header, data_rows=max(lines - 1, 0)))


def _require_csv_header(header: str, describe: str, header_prefix: str | None) -> None:
    excerpt = header.strip()[:EXCERPT_CHARS]
    if excerpt.startswith("<"):
        raise FetchError(f"{describe}: the publisher returned an HTML/XML page instead of CSV: {excerpt!r}")
    if excerpt.startswith(("{", "[")):
        raise FetchError(f"{describe}: the publisher returned JSON instead of CSV: {excerpt!r}")
    if header_prefix is not None and not header.startswith(header_prefix):
        raise FetchError(f"{describe}: expected a CSV header starting {header_prefix!r}, got {excerpt!r}")
    if not excerpt:
        raise FetchError(f"{describe}: empty body, or no header line")

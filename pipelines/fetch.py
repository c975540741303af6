"""Fetch raw artefacts, live from publishers or from a snapshot mirror, through one code path.

Both modes stream bytes into a temporary file beside the target, hash and count them as they pass, and rename
the file into place only when it is complete, so a crash or a bad download never leaves a half-written
artefact where a good one was. Only the opener differs: an HTTP response in live mode, a file in the mirror in
snapshot mode.

In live mode the publisher-specific part lives in `pipelines.adapters` (one module per `live.kind`); the adapters
reach the network only through `Fetcher.request`/`download`/`land` here, so the host allowlist, redirect checks,
retries with backoff and atomic landing are written once.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import os
import re
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import BinaryIO, TypeVar
from urllib.parse import quote, quote_plus, urljoin, urlsplit

import requests

from pipelines.registry import Source

log = logging.getLogger(__name__)

_T = TypeVar("_T")

CHUNK_BYTES = 1 << 20
DEFAULT_MAX_BYTES = 512 * 1024 * 1024
REDIRECT_STATUSES = {301, 302, 303, 307, 308}
RETRYABLE_STATUSES = {408, 425, 429, 500, 502, 503, 504}
MAX_IN_MEMORY_BYTES = 64 * 1024 * 1024
REDACTED = "REDACTED"
URLLIB3_LOGGERS = ("urllib3.connectionpool", "urllib3.poolmanager", "urllib3.util.retry")


class FetchError(RuntimeError):
    """An artefact could not be fetched; the message names the source and the location."""


class SourceUnavailableError(FetchError):
    """The publisher did not deliver (5xx, timeouts, resets, short bodies) on any attempt.

    Only this failure lets a build fall back to the source's last good artefact: it says nothing about the data,
    whereas every other FetchError (a refused host, a 404, a body that is not what was asked for) may.
    """


@dataclass(frozen=True)
class FetchedArtefact:
    source_id: str
    path: Path
    source_url: str
    fetched_from: str
    mode: str
    retrieved_at: datetime
    sha256: str
    bytes: int


@dataclass(frozen=True)
class HttpPolicy:
    allowed_hosts: frozenset[str]
    allow_loopback_http: bool = False
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    attempts: int = 4
    backoff_seconds: float = 1.0
    max_redirects: int = 5
    max_bytes: int = DEFAULT_MAX_BYTES

    def check_url(self, url: str, source_id: str) -> None:
        parts = urlsplit(url)
        host = parts.hostname or ""
        if host not in self.allowed_hosts:
            raise FetchError(f"source {source_id}: refusing {url}: host {host!r} is not named in sources.yaml")
        if parts.scheme == "https":
            return
        if parts.scheme == "http" and self.allow_loopback_http and _is_loopback(host):
            return
        raise FetchError(f"source {source_id}: refusing {url}: only https is allowed")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _stream_into_place(chunks: Iterator[bytes], target: Path, max_bytes: int, describe: str) -> tuple[str, int]:
    """Write chunks to a temp file next to `target`, then atomically rename. Returns (sha256, size)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in chunks:
                size += len(chunk)
                if size > max_bytes:
                    raise FetchError(f"{describe}: larger than the {max_bytes:,}-byte limit")
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if size == 0:
            raise FetchError(f"{describe}: empty file")
        tmp.replace(target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return digest.hexdigest(), size


def _file_chunks(handle: BinaryIO) -> Iterator[bytes]:
    while chunk := handle.read(CHUNK_BYTES):
        yield chunk


def _http_chunks(response: requests.Response, describe: str) -> Iterator[bytes]:
    """The decoded body, then a check that the connection delivered every byte the server announced.

    Content-Length counts bytes on the wire, which differ from the decoded body when the server compresses it,
    so compare it with what the connection read. Raising here, inside the stream, discards the temp file
    before the rename, so a short body never replaces a good artefact.
    """
    yield from response.iter_content(CHUNK_BYTES)
    expected = response.headers.get("Content-Length")
    received = response.raw.tell()
    if expected is not None and expected.isdigit() and int(expected) != received:
        raise RetryableFetchError(f"{describe}: truncated body, {received} of {expected} bytes")


@dataclass(frozen=True)
class Landed:
    """What a live adapter reports after landing an artefact: where it came from, its sha256 and size."""

    fetched_from: str
    sha256: str
    bytes: int


@dataclass(frozen=True)
class Redactor:
    """Blanks secrets (such as an API key in a query string) out of URLs, messages and log records."""

    secrets: tuple[str, ...] = ()

    @classmethod
    def of(cls, *values: str | None) -> Redactor:
        """A redactor for the given secrets; empty or missing values are ignored."""
        return cls(tuple(value for value in values if value))

    def __call__(self, text: str) -> str:
        for secret in self.secrets:
            for form in (secret, quote(secret, safe=""), quote_plus(secret)):
                text = text.replace(form, REDACTED)
        return text


NO_SECRETS = Redactor()


class _RedactingFilter(logging.Filter):
    def __init__(self, redact: Redactor) -> None:
        super().__init__()
        self._redact = redact

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = self._redact(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


@contextmanager
def _library_logs_redacted(redact: Redactor) -> Iterator[None]:
    """urllib3 logs every request line, query string included, at DEBUG; scrub secrets out of those records."""
    if not redact.secrets:
        yield
        return
    log_filter = _RedactingFilter(redact)
    loggers = [logging.getLogger(name) for name in URLLIB3_LOGGERS]
    for logger in loggers:
        logger.addFilter(log_filter)
    try:
        yield
    finally:
        for logger in loggers:
            logger.removeFilter(log_filter)


class Fetcher:
    """Lands a source's artefact under `landing_dir/<source id>/` and reports its provenance.

    In live mode the adapter for `source.live.kind` (see `pipelines.adapters`) does the publisher-specific part
    and uses `request`, `download` and `land` here for everything HTTP: the allowlist, redirects, retries with
    backoff and the temp-file-then-rename landing.
    """

    def __init__(
        self,
        landing_dir: Path,
        mode: str,
        snapshot_dir: Path | None = None,
        policy: HttpPolicy | None = None,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        preview_bytes: int | None = None,
    ) -> None:
        if mode not in ("snapshot", "live"):
            raise ValueError(f"unknown fetch mode {mode!r}")
        if mode == "snapshot" and snapshot_dir is None:
            raise ValueError("snapshot mode needs a snapshot directory")
        if mode == "live" and policy is None:
            raise ValueError("live mode needs an HttpPolicy")
        self.landing_dir = landing_dir
        self.mode = mode
        self.snapshot_dir = snapshot_dir
        self.policy = policy
        self.session = session or requests.Session()
        self._sleep = sleep
        # A dry run (`sources check --live`) reads only the start of what publishers serve: line-based downloads
        # stop after this many bytes at a line end, and paged APIs after their first page.
        self.preview_bytes = preview_bytes

    def fetch(self, source: Source) -> FetchedArtefact:
        """Land `source`'s artefact (from the mirror or the publisher) and return its provenance."""
        target = self.landing_dir / source.id / source.artefact_name(self.mode)
        retrieved_at = datetime.now(UTC)
        if self.mode == "snapshot":
            landed = self._from_mirror(source, target)
        else:
            # Imported here because the adapters import this module for its HTTP layer.
            from pipelines.adapters import adapter_for

            landed = adapter_for(source.live.kind)(self, source, target)
        log.info(
            "landed %s from %s (%s bytes, sha256 %s)", source.id, landed.fetched_from, landed.bytes, landed.sha256[:12]
        )
        return FetchedArtefact(
            source_id=source.id,
            path=target,
            source_url=source.live.url,
            fetched_from=landed.fetched_from,
            mode=self.mode,
            retrieved_at=retrieved_at,
            sha256=landed.sha256,
            bytes=landed.bytes,
        )

    # -- snapshot mirror -------------------------------------------------------------------------------------
    def _from_mirror(self, source: Source, target: Path) -> Landed:
        assert self.snapshot_dir is not None
        mirror_file = self.snapshot_dir / source.snapshot_path
        describe = f"source {source.id} (file {mirror_file})"
        if not mirror_file.is_file():
            raise FetchError(f"{describe}: not found in the snapshot mirror")
        with mirror_file.open("rb") as handle:
            sha, size = _stream_into_place(_file_chunks(handle), target, DEFAULT_MAX_BYTES, describe)
        return Landed(str(mirror_file), sha, size)

    # -- live HTTP, shared by every adapter ------------------------------------------------------------------
    def download(
        self,
        source_id: str,
        url: str,
        target: Path,
        *,
        check: Callable[[Iterator[bytes], str], Iterator[bytes]] | None = None,
        redact: Redactor = NO_SECRETS,
        line_based: bool = False,
    ) -> Landed:
        """Stream `url` into `target` (temp file, then rename), with retries; `check` may inspect the chunks.

        `check(chunks, describe)` wraps the body stream and raises FetchError to reject it; raising inside the
        stream discards the temp file, so a rejected body never replaces a good artefact.
        """

        def stream_to_target(response: requests.Response) -> Landed:
            describe = f"source {source_id} (url {response.url})"
            chunks = _http_chunks(response, describe)
            if line_based and self.preview_bytes is not None:
                chunks = _first_lines(chunks, self.preview_bytes)
            if check is not None:
                chunks = check(chunks, describe)
            sha, size = _stream_into_place(chunks, target, self._live_policy.max_bytes, describe)
            return Landed(redact(response.url), sha, size)

        return self.request(source_id, url, stream_to_target, redact=redact)

    def get_body(self, source_id: str, url: str, *, redact: Redactor = NO_SECRETS) -> tuple[str, bytes]:
        """GET a small body (a landing page, a JSON page) into memory, with retries. Returns (final URL, body)."""

        def read(response: requests.Response) -> tuple[str, bytes]:
            return response.url, read_body(response, f"source {source_id} (url {response.url})")

        return self.request(source_id, url, read, redact=redact)

    def head(self, source_id: str, url: str) -> tuple[str, dict[str, str]]:
        """HEAD `url` through the allowlist, redirects and retries. Returns (final URL, response headers)."""
        return self.request(source_id, url, lambda response: (response.url, dict(response.headers)), method="HEAD")

    def land(self, chunks: Iterable[bytes], target: Path, describe: str) -> tuple[str, int]:
        """Write generated bytes (e.g. a CSV built from API pages) into `target` atomically. Returns (sha, size)."""
        return _stream_into_place(iter(chunks), target, self._live_policy.max_bytes, describe)

    def request(
        self,
        source_id: str,
        url: str,
        handle: Callable[[requests.Response], _T],
        *,
        redact: Redactor = NO_SECRETS,
        method: str = "GET",
    ) -> _T:
        """GET (or HEAD) `url` and return `handle(response)`; the one retry loop of the live fetch.

        Retries with exponential backoff on retryable statuses, timeouts, connection errors, truncated bodies
        and `RetryableFetchError` raised by `handle`; any other failure is a FetchError at once. Every message
        and library log record passes through `redact`, and the FetchError raised carries no chained
        exception, so a secret in the URL cannot leak through a traceback.
        """
        policy = self._live_policy
        last_error = ""
        for attempt in range(1, policy.attempts + 1):
            failure: str | None = None
            try:
                with _library_logs_redacted(redact), self._open(url, source_id, method) as response:
                    return handle(response)
            except (
                RetryableFetchError,
                requests.ConnectionError,
                requests.Timeout,
                requests.exceptions.ChunkedEncodingError,
            ) as exc:
                last_error = redact(str(exc))
            except FetchError as exc:
                failure = redact(str(exc))
            except requests.RequestException as exc:
                failure = redact(f"source {source_id}: request to {url} failed: {exc}")
            if failure is not None:
                raise FetchError(failure)
            if attempt < policy.attempts:
                delay = policy.backoff_seconds * 2 ** (attempt - 1)
                log.warning(
                    "source %s: attempt %d failed (%s); retrying in %.1fs", source_id, attempt, last_error, delay
                )
                self._sleep(delay)
        raise SourceUnavailableError(
            redact(f"source {source_id}: could not fetch {url} after {policy.attempts} attempts: ") + last_error
        )

    @property
    def _live_policy(self) -> HttpPolicy:
        if self.policy is None:
            raise ValueError("live fetches need an HttpPolicy")
        return self.policy

    @contextmanager
    def _open(self, url: str, source_id: str, method: str = "GET") -> Iterator[requests.Response]:
        policy = self._live_policy
        timeout = (policy.connect_timeout, policy.read_timeout)
        for _ in range(policy.max_redirects + 1):
            policy.check_url(url, source_id)
            response = self.session.request(method, url, stream=True, timeout=timeout, allow_redirects=False)
            if response.status_code in REDIRECT_STATUSES:
                location = response.headers.get("Location")
                response.close()
                if not location:
                    raise FetchError(f"source {source_id}: redirect from {url} without a Location header")
                url = urljoin(url, location)
                continue
            try:
                if response.status_code in RETRYABLE_STATUSES:
                    raise RetryableFetchError(f"source {source_id}: HTTP {response.status_code} from {url}")
                if response.status_code != 200:
                    raise FetchError(f"source {source_id}: HTTP {response.status_code} from {url}")
                yield response
            finally:
                response.close()
            return
        raise FetchError(f"source {source_id}: more than {policy.max_redirects} redirects from {url}")


def _first_lines(chunks: Iterator[bytes], limit: int) -> Iterator[bytes]:
    """The body up to the last line end within `limit` bytes (all of it if shorter): a preview of a text file."""
    taken = bytearray()
    for chunk in chunks:
        taken += chunk
        if len(taken) >= limit:
            end = taken.rfind(b"\n", 0, limit)
            yield bytes(taken[: end + 1] if end >= 0 else taken[:limit])
            return
    yield bytes(taken)


def read_body(response: requests.Response, describe: str, max_bytes: int = MAX_IN_MEMORY_BYTES) -> bytes:
    """The whole decoded body of a small response, refusing one over `max_bytes` or cut short on the wire."""
    body = bytearray()
    for chunk in _http_chunks(response, describe):
        body += chunk
        if len(body) > max_bytes:
            raise FetchError(f"{describe}: larger than the {max_bytes:,}-byte limit for an in-memory response")
    return bytes(body)


def _escapes_archive(name: str) -> bool:
    """An absolute name or one with a `..` part would land outside the folder it is extracted into (zip slip)."""
    parts = PurePosixPath(name.replace("\\", "/"))
    return parts.is_absolute() or ".." in parts.parts or bool(re.match(r"^[A-Za-z]:", name))


def extract_zip_member(archive: Path, member: str, target: Path, max_bytes: int, describe: str) -> tuple[str, int]:
    """Land one member of the zip `archive` at `target` (temp file, then rename). Returns (sha256, size).

    Only the named member is ever written, and only to `target`; an archive holding any entry whose name would
    escape its folder (`../`, an absolute path) is refused whole, as hostile or broken. The member is streamed
    through the same size cap as a download, so a zip bomb stops at `max_bytes` whatever its header claims.
    """
    where = f"{describe} (zip member {member!r})"
    try:
        with zipfile.ZipFile(archive) as bundle:
            entries = bundle.infolist()
            escaping = [e.filename for e in entries if _escapes_archive(e.filename)]
            if escaping:
                raise FetchError(f"{describe}: refusing a zip whose entries escape its folder: {escaping[:5]}")
            matches = [e for e in entries if not e.is_dir() and e.filename.lstrip("./") == member]
            if not matches:
                names = [e.filename for e in entries if not e.is_dir()][:20]
                raise FetchError(f"{where}: not in the archive, which holds {names}")
            if matches[0].file_size > max_bytes:
                raise FetchError(f"{where}: {matches[0].file_size:,} bytes unpacked, over the {max_bytes:,}-byte limit")
            with bundle.open(matches[0]) as handle:
                return _stream_into_place(_file_chunks(handle), target, max_bytes, where)
    except zipfile.BadZipFile as exc:
        raise FetchError(f"{where}: not a readable zip archive: {exc}") from None


class RetryableFetchError(Exception):
    """A failure worth another attempt (a 5xx, a truncated body, an API error object reporting a server fault)."""

"""Fetch raw artefacts, live from publishers or from a snapshot mirror, through one code path.

Both modes stream bytes into a temporary file beside the target, hash and count them as they pass, and rename
the file into place only when it is complete, so a crash or a bad download never leaves a half-written
artefact where a good one was. Only the opener differs: an HTTP response in live mode, a file in the mirror in
snapshot mode.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urljoin, urlsplit

import requests

from pipelines.registry import Source

log = logging.getLogger(__name__)

CHUNK_BYTES = 1 << 20
DEFAULT_MAX_BYTES = 512 * 1024 * 1024
REDIRECT_STATUSES = {301, 302, 303, 307, 308}
RETRYABLE_STATUSES = {408, 425, 429, 500, 502, 503, 504}


class FetchError(RuntimeError):
    """An artefact could not be fetched; the message names the source and the location."""


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
        raise _RetryableError(f"{describe}: truncated body, {received} of {expected} bytes")


class Fetcher:
    """Lands a source's artefact under `landing_dir/<source id>/` and reports its provenance."""

    def __init__(
        self,
        landing_dir: Path,
        mode: str,
        snapshot_dir: Path | None = None,
        policy: HttpPolicy | None = None,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
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

    def fetch(self, source: Source) -> FetchedArtefact:
        target = self.landing_dir / source.id / source.file_name
        retrieved_at = datetime.now(UTC)
        if self.mode == "snapshot":
            location, (sha, size) = self._from_mirror(source, target)
        else:
            location, (sha, size) = self._from_http(source, target)
        log.info("landed %s from %s (%s bytes, sha256 %s)", source.id, location, size, sha[:12])
        return FetchedArtefact(
            source_id=source.id,
            path=target,
            source_url=source.live.url,
            fetched_from=location,
            mode=self.mode,
            retrieved_at=retrieved_at,
            sha256=sha,
            bytes=size,
        )

    # -- snapshot mirror -------------------------------------------------------------------------------------
    def _from_mirror(self, source: Source, target: Path) -> tuple[str, tuple[str, int]]:
        assert self.snapshot_dir is not None
        mirror_file = self.snapshot_dir / source.snapshot_path
        describe = f"source {source.id} (file {mirror_file})"
        if not mirror_file.is_file():
            raise FetchError(f"{describe}: not found in the snapshot mirror")
        with mirror_file.open("rb") as handle:
            result = _stream_into_place(_file_chunks(handle), target, DEFAULT_MAX_BYTES, describe)
        return str(mirror_file), result

    # -- live HTTP -------------------------------------------------------------------------------------------
    def _from_http(self, source: Source, target: Path) -> tuple[str, tuple[str, int]]:
        assert self.policy is not None
        url = source.live.url
        last_error: Exception | None = None
        for attempt in range(1, self.policy.attempts + 1):
            try:
                with self._open(url, source.id) as response:
                    describe = f"source {source.id} (url {response.url})"
                    result = _stream_into_place(
                        _http_chunks(response, describe), target, self.policy.max_bytes, describe
                    )
                    return response.url, result
            except (
                _RetryableError,
                requests.ConnectionError,
                requests.Timeout,
                requests.exceptions.ChunkedEncodingError,
            ) as exc:
                last_error = exc
                if attempt < self.policy.attempts:
                    delay = self.policy.backoff_seconds * 2 ** (attempt - 1)
                    log.warning("source %s: attempt %d failed (%s); retrying in %.1fs", source.id, attempt, exc, delay)
                    self._sleep(delay)
        raise FetchError(
            f"source {source.id}: could not fetch {url} after {self.policy.attempts} attempts: {last_error}"
        )

    @contextmanager
    def _open(self, url: str, source_id: str) -> Iterator[requests.Response]:
        assert self.policy is not None
        timeout = (self.policy.connect_timeout, self.policy.read_timeout)
        for _ in range(self.policy.max_redirects + 1):
            self.policy.check_url(url, source_id)
            response = self.session.get(url, stream=True, timeout=timeout, allow_redirects=False)
            if response.status_code in REDIRECT_STATUSES:
                location = response.headers.get("Location")
                response.close()
                if not location:
                    raise FetchError(f"source {source_id}: redirect from {url} without a Location header")
                url = urljoin(url, location)
                continue
            try:
                if response.status_code in RETRYABLE_STATUSES:
                    raise _RetryableError(f"source {source_id}: HTTP {response.status_code} from {url}")
                if response.status_code != 200:
                    raise FetchError(f"source {source_id}: HTTP {response.status_code} from {url}")
                yield response
            finally:
                response.close()
            return
        raise FetchError(f"source {source_id}: more than {self.policy.max_redirects} redirects from {url}")


class _RetryableError(Exception):
    pass

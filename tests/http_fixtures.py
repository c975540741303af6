"""Local HTTP test servers on loopback and a session that refuses to leave the machine.

Shared by the live fetch tests: a server runs on 127.0.0.x in a daemon thread and records every request it gets;
`LoopbackOnlySession` records every URL the fetcher asks for and raises if one is not on 127.x.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import requests


class RecordingHTTPServer(ThreadingHTTPServer):
    """A threading server on `host` (port chosen by the OS) that records the requests it receives."""

    # Handlers still sleeping on a stall route must not hold up shutdown.
    daemon_threads = True

    def __init__(self, host: str, handler: type[BaseHTTPRequestHandler]) -> None:
        super().__init__((host, 0), handler)
        self.lock = threading.Lock()
        self.paths: list[str] = []
        self.targets: list[str] = []
        self.hits: Counter[str] = Counter()

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str) -> str:
        return f"{self.base_url}/{path.lstrip('/')}"

    def record(self, target: str) -> int:
        """Note a request target (path and query); returns how many times its path has now been requested."""
        path = urlsplit(target).path
        with self.lock:
            self.paths.append(path)
            self.targets.append(target)
            self.hits[path] += 1
            return self.hits[path]

    def handle_error(self, request, client_address) -> None:
        # Clients that time out hang up mid-response: the point of the stall routes, not a server fault.
        pass


@contextmanager
def running(server: RecordingHTTPServer) -> Iterator[RecordingHTTPServer]:
    """Serve in a daemon thread for the duration of the block, then shut down and close the socket."""
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


class LoopbackOnlySession(requests.Session):
    """Records every URL the fetcher asks for, and refuses outright to leave the machine.

    With `enforce_content_length = False` urllib3 no longer raises on a short body, so the fetcher's own
    truncation check is what has to catch it (as with urllib3 1.x, whose default that is).
    """

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.enforce_content_length = True

    def request(self, method, url, *args, **kwargs):
        self.urls.append(url)
        host = urlsplit(url).hostname or ""
        if not host.startswith("127."):
            raise AssertionError(f"the fetcher tried to contact {url}")
        response = super().request(method, url, *args, **kwargs)
        response.raw.enforce_content_length = self.enforce_content_length
        return response

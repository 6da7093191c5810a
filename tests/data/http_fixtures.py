"""A local HTTP file server with byte ranges and per-path misbehaviour, for tests of HTTP sources.

Use it with ``from tests.data.http_fixtures import http_server  # noqa: F401`` or through
``pytest_plugins = ["tests.data.http_fixtures"]``. The ``http_server`` fixture is session-scoped (one
server per xdist worker); give each test its own file names so switches and logs do not mix::

    (http_server.root / "a.bin").write_bytes(data)
    http_server.behave("a.bin", ranges=False, fail={2})
    url = http_server.url("a.bin")
    assert [r.method for r in http_server.requests_for("a.bin")] == [...]
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Literal, NamedTuple
from urllib.parse import quote, urlsplit

import pytest

_RANGE = re.compile(r"bytes=(\d*)-(\d*)")
_COPY = 2**20


class Request(NamedTuple):
    method: str
    path: str
    range: str | None


@dataclass
class Behaviour:
    """How the server treats one path; requests are counted from when it was set."""

    ranges: bool = True  # False: ignore Range headers (answer 200 with the whole body), no Accept-Ranges
    head: bool = True  # False: answer HEAD with 405
    fail: Collection[int] = ()  # request numbers (1-based) to answer with 500
    truncate: int | None = None  # send only this many body bytes, then drop the connection
    rate: int | None = None  # send the body at most this many bytes per second (a slow server)
    seen: int = 0


class LocalHttpServer:
    """Serves ``root`` on 127.0.0.1 at a free port from a background thread."""

    def __init__(self, root: Path):
        self.root = root
        self.log: list[Request] = []
        self._behaviours: dict[str, Behaviour] = {}
        self._lock = threading.Lock()
        self._httpd = _Server(self)
        self.port = self._httpd.server_port
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), name="http-fixture",
                                        daemon=True)

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}{_path(name)}"

    def behave(self, name: str, *, ranges: bool = True, head: bool = True, fail: Collection[int] = (),
               truncate: int | None = None, rate: int | None = None) -> None:
        """Set how ``name`` is served from now on (the defaults restore normal service)."""
        with self._lock:
            self._behaviours[_path(name)] = Behaviour(ranges, head, fail, truncate, rate)

    def requests_for(self, name: str) -> list[Request]:
        path = _path(name)
        return [r for r in list(self.log) if r.path == path]

    def clear(self) -> None:
        self.log.clear()

    def _arrived(self, request: Request) -> tuple[Behaviour, int]:
        """Log a request; its path's behaviour and the request's number for that path."""
        with self._lock:
            self.log.append(request)
            behaviour = self._behaviours.setdefault(request.path, Behaviour())
            behaviour.seen += 1
            return behaviour, behaviour.seen

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(5)


def _path(name: str) -> str:
    return "/" + quote(name)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, site: LocalHttpServer):
        self.site = site
        super().__init__(("127.0.0.1", 0), _Handler)

    def handle_error(self, request, client_address) -> None:
        """Clients hanging up mid-body are expected here: stay quiet."""


class _Handler(SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def __init__(self, request, client_address, server: _Server):
        super().__init__(request, client_address, server, directory=str(server.site.root))

    def log_message(self, format, *args) -> None:
        pass

    def do_GET(self) -> None:
        self._serve(body=True)

    def do_HEAD(self) -> None:
        self._serve(body=False)

    def _empty(self, status: int, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in {**(headers or {}), "Content-Length": "0"}.items():
            self.send_header(name, value)
        self.end_headers()

    def _serve(self, body: bool) -> None:
        path = urlsplit(self.path).path
        behaviour, number = self.server.site._arrived(Request(self.command, path, self.headers.get("Range")))
        if number in behaviour.fail:
            return self._empty(500)
        if not body and not behaviour.head:
            return self._empty(405, {"Allow": "GET"})
        file = Path(self.translate_path(self.path))
        if not file.is_file():
            return self._empty(404)
        with file.open("rb") as f:
            stat = os.fstat(f.fileno())
            size = stat.st_size
            validators = {"ETag": f'"{size:x}-{stat.st_mtime_ns:x}"',
                          "Last-Modified": self.date_time_string(int(stat.st_mtime))}
            span = _span(self.headers.get("Range"), size) if behaviour.ranges else None
            if span == "unsatisfiable":
                return self._empty(416, {"Content-Range": f"bytes */{size}", **validators})
            start, end = span or (0, size)
            self.send_response(206 if span else 200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(end - start))
            if behaviour.ranges:
                self.send_header("Accept-Ranges", "bytes")
            if span:
                self.send_header("Content-Range", f"bytes {start}-{end - 1}/{size}")
            for name, value in validators.items():
                self.send_header(name, value)
            self.end_headers()
            if body:
                if behaviour.truncate is not None:
                    end = min(end, start + behaviour.truncate)
                    self.close_connection = True
                self._copy(f, start, end, behaviour.rate)

    def _copy(self, f, start: int, end: int, rate: int | None) -> None:
        f.seek(start)
        while start < end and (data := f.read(min(_COPY, end - start))):
            self.wfile.write(data)
            start += len(data)
            if rate:
                time.sleep(len(data) / rate)


def _span(header: str | None, size: int) -> tuple[int, int] | Literal["unsatisfiable"] | None:
    """One ``bytes=a-b`` / ``a-`` / ``-n`` range → [start, end); None to ignore it; "unsatisfiable"."""
    match = _RANGE.fullmatch((header or "").strip())
    if not match or match[1] == match[2] == "":
        return None
    if match[1] == "":  # the last n bytes
        n = int(match[2])
        return (max(0, size - n), size) if n and size else "unsatisfiable"
    start = int(match[1])
    end = size if match[2] == "" else int(match[2]) + 1
    if end <= start:
        return None
    return (start, min(end, size)) if start < size else "unsatisfiable"


@pytest.fixture(scope="session")
def http_server(tmp_path_factory) -> Iterator[LocalHttpServer]:
    """A running :class:`LocalHttpServer` over a temporary folder, for the whole session."""
    server = LocalHttpServer(tmp_path_factory.mktemp("http-root"))
    server.start()
    yield server
    server.stop()

"""HTTP(S) sources: what HEAD says about an object, ranged reads, and a whole-object stream.

Big objects on servers that accept ranges stream as parallel range requests; anything else comes
through one GET. Bytes are read as stored: ``Accept-Encoding: identity`` is sent and a
``Content-Encoding`` is never decoded. Every failure is an :class:`HttpSourceError` naming the URL.
"""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, BinaryIO, cast

from octoup.data.ranges import PrefetchReader, ReadAt
from octoup.errors import OctoupError
from octoup.storage.http import tune

if TYPE_CHECKING:
    import requests

TIMEOUT = (10, 60)  # seconds to connect, seconds between bytes
POOL_SIZE = 16
_CONTENT_RANGE = re.compile(r"bytes\s+(?:(\d+)-(\d+)|\*)/(\d+|\*)")

_shared: requests.Session | None = None
_shared_lock = threading.Lock()


@dataclass(frozen=True)
class HttpObject:
    url: str
    size: int | None
    etag: str | None
    last_modified: str | None
    accepts_ranges: bool

    @property
    def identity(self) -> str:
        """What says "same content as last time": the ETag, else Last-Modified and size, else the size."""
        if self.etag:
            return f"etag:{self.etag}"
        if self.last_modified:
            return f"modified:{self.last_modified};size:{self.size}"
        return f"size:{self.size}"


class HttpSourceError(OctoupError):
    """Reading an http(s) source failed; names the URL and the HTTP status or the network's reason."""

    def __init__(self, url: str, reason: str, *, status: int | None = None, hint: str | None = None):
        super().__init__(f"Could not read {url}: {reason}.", hint or _hint(status))
        self.url = url
        self.status = status


def _hint(status: int | None) -> str | None:
    if status in (404, 410):
        return "Check the URL: the server has nothing there."
    if status in (401, 403):
        return ("The server refused access. Use a presigned URL; "
                "user names and passwords inside URLs are not supported.")
    if status is None or status == 429 or status >= 500:
        return "The server or the network failed; retry later."
    return None


def _changed(url: str, detail: str) -> HttpSourceError:
    return HttpSourceError(url, f"it changed while being copied ({detail})",
                           hint="Run the copy again to take the new version.")


def _session() -> requests.Session:
    """The process's shared session: pooled for parallel range requests, retrying idempotent requests."""
    global _shared
    with _shared_lock:
        if _shared is None:
            import requests
            from urllib3.util.retry import Retry

            retries = Retry(total=3, backoff_factor=0.5, status_forcelist=(429, 500, 502, 503, 504),
                            allowed_methods={"GET", "HEAD"}, raise_on_status=False)
            _shared = tune(requests.Session(), POOL_SIZE, retries=retries)
            _shared.headers["Accept-Encoding"] = "identity"
        return _shared


@contextmanager
def _errors(url: str) -> Iterator[None]:
    """Turn requests' and urllib3's exceptions into HttpSourceError."""
    import requests
    import urllib3

    try:
        yield
    except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
        raise HttpSourceError(url, _reason(exc)) from exc


def _reason(exc: BaseException) -> str:
    import requests
    import urllib3

    chain = [exc]
    while (cause := chain[-1].__cause__ or chain[-1].__context__) is not None:
        chain.append(cause)
    root = chain[-1]
    if isinstance(root, OSError) and root.strerror:  # connection refused, name not known, reset by peer
        return root.strerror[0].lower() + root.strerror[1:]
    if any(isinstance(e, TimeoutError | requests.Timeout | urllib3.exceptions.TimeoutError) for e in chain):
        return "the server did not answer in time"
    if any(isinstance(e, requests.exceptions.ChunkedEncodingError | urllib3.exceptions.ProtocolError)
           for e in chain):
        return "the connection dropped before the whole body arrived"
    return str(exc) or type(exc).__name__


def _check_status(url: str, response: requests.Response) -> None:
    if not response.ok:
        raise HttpSourceError(url, f"HTTP {response.status_code} {response.reason}",
                              status=response.status_code)


def _check_same(obj: HttpObject, response: requests.Response) -> None:
    etag = response.headers.get("ETag")
    if obj.etag and etag and etag != obj.etag:
        raise _changed(obj.url, f"ETag {obj.etag} is now {etag}")


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _content_range(value: str | None) -> tuple[int | None, int | None, int | None]:
    """``bytes first-last/total`` → (first, last, total); unknown parts are None."""
    match = _CONTENT_RANGE.fullmatch((value or "").strip())
    return (_int(match[1]), _int(match[2]), _int(match[3])) if match else (None, None, None)


def head(url: str) -> HttpObject:
    """What the server says about ``url``: size, validators, whether it serves ranges.

    Follows redirects. When HEAD is refused (403, as for URLs presigned for GET only; 405; 501), a
    ``GET`` of the first byte stands in and the size comes from its Content-Range.
    """
    with _errors(url):
        response = _session().head(url, allow_redirects=True, timeout=TIMEOUT)
        if response.status_code in (403, 405, 501):
            return _probe(url)
    _check_status(url, response)
    headers = response.headers
    return HttpObject(url, _int(headers.get("Content-Length")), headers.get("ETag"),
                      headers.get("Last-Modified"), headers.get("Accept-Ranges", "").lower() == "bytes")


def _probe(url: str) -> HttpObject:
    """HEAD by ``GET`` with ``Range: bytes=0-0``, closing before any full body is read."""
    with _errors(url), _session().get(url, headers={"Range": "bytes=0-0"}, stream=True,
                                      timeout=TIMEOUT) as response:
        headers = response.headers
        ranged = response.status_code in (206, 416)  # 416: an empty object
        if not ranged:
            _check_status(url, response)
        size = _content_range(headers.get("Content-Range"))[2] if ranged else _int(
            headers.get("Content-Length"))
        return HttpObject(url, size, headers.get("ETag"), headers.get("Last-Modified"), ranged)


def read_at(obj: HttpObject) -> ReadAt:
    """``read_at(start, length)`` by ranged GETs, each checked against ``obj``.

    A server that ignores the range (200) is an error unless the read covers the whole object; an ETag
    or a total size different from ``obj``'s means the object changed while being copied.
    """

    def read(start: int, length: int) -> bytes:
        end = start + length if obj.size is None else min(start + length, obj.size)
        if end <= start:
            return b""
        with _errors(obj.url), _session().get(obj.url, headers={"Range": f"bytes={start}-{end - 1}"},
                                              stream=True, timeout=TIMEOUT) as response:
            _check_status(obj.url, response)
            _check_same(obj, response)
            if response.status_code == 206:
                first, last, total = _content_range(response.headers.get("Content-Range"))
                if obj.size is not None and total is not None and total != obj.size:
                    raise _changed(obj.url, f"its size went from {obj.size} to {total} bytes")
                exact = obj.size is not None  # else the object may end before `end`
                if first != start or last is None or last > end - 1 or (exact and last < end - 1):
                    raise HttpSourceError(obj.url, f"asked for bytes {start}-{end - 1}, the server sent "
                                                   f"{response.headers.get('Content-Range')!r}")
                expected = last - first + 1
            elif response.status_code == 200 and start == 0 and end == obj.size:  # ignored, but all asked
                expected = obj.size
            else:
                raise HttpSourceError(obj.url, f"the server answered a Range request with HTTP "
                                               f"{response.status_code} {response.reason}")
            data = _read_body(response, expected)
        if len(data) != expected:
            raise HttpSourceError(obj.url, f"the connection dropped after {len(data)} of {expected} bytes")
        return data

    return read


def _read_body(response, expected: int) -> bytes:
    """The body as sent, read in large pieces (``.content`` gathers 10 KiB ones, costing CPU)."""
    pieces, got = [], 0
    while got < expected:
        piece = response.raw.read(expected - got, decode_content=False)
        if not piece:
            break
        pieces.append(piece)
        got += len(piece)
    return pieces[0] if len(pieces) == 1 else b"".join(pieces)


def open_stream(obj: HttpObject, *, chunk_size: int = 8 * 2**20, concurrency: int = 4) -> BinaryIO:
    """A sequential reader of the whole object: parallel range requests when the server accepts ranges and
    the object is bigger than one chunk, else one streaming GET."""
    if obj.accepts_ranges and obj.size is not None and obj.size > chunk_size:
        return cast(BinaryIO, PrefetchReader(read_at(obj), obj.size, chunk_size=chunk_size,
                                             concurrency=concurrency))
    return cast(BinaryIO, _Body(obj))


class _Body(io.RawIOBase):
    """One streaming GET, bytes as stored, checked at the end against Content-Length (else ``obj.size``)."""

    def __init__(self, obj: HttpObject):
        super().__init__()
        self._url = obj.url
        with _errors(obj.url):
            self._response = _session().get(obj.url, stream=True, timeout=TIMEOUT)
        try:
            _check_status(obj.url, self._response)
            _check_same(obj, self._response)
            length = _int(self._response.headers.get("Content-Length"))
            self._expected = obj.size if length is None else length
            if obj.size is not None and self._expected != obj.size:
                raise _changed(obj.url, f"its size went from {obj.size} to {self._expected} bytes")
        except BaseException:
            self._response.close()
            raise
        self._received = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:
        with _errors(self._url):
            data = self._response.raw.read(len(buffer), decode_content=False)
        memoryview(buffer).cast("B")[:len(data)] = data
        self._received += len(data)
        if not data and len(buffer) and self._expected is not None and self._received != self._expected:
            raise HttpSourceError(self._url, f"the connection dropped after {self._received} of "
                                             f"{self._expected} bytes")
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._response.close()
        super().close()

"""HTTP sources against a local server with ranges and switchable misbehaviour (``http_server``, from
tests/data/conftest.py)."""

from __future__ import annotations

import hashlib
import os
import socket

import pytest

from octoup.data import http
from octoup.data.http import HttpObject, HttpSourceError
from octoup.data.ranges import PrefetchReader

MiB = 2**20


def put(server, name: str, data: bytes) -> str:
    (server.root / name).write_bytes(data)
    server.behave(name)
    server.clear()
    return server.url(name)


def read_all(stream, size: int = MiB) -> bytes:
    with stream:
        return b"".join(iter(lambda: stream.read(size), b""))


def test_head_reports_size_validators_and_ranges(http_server):
    url = put(http_server, "head.bin", b"x" * 1000)
    obj = http.head(url)
    assert (obj.url, obj.size, obj.accepts_ranges) == (url, 1000, True)
    assert obj.etag.startswith('"') and obj.last_modified.endswith("GMT")
    assert obj.identity == f"etag:{obj.etag}"
    assert [r.method for r in http_server.requests_for("head.bin")] == ["HEAD"]


def test_identity_falls_back_to_last_modified_and_size():
    assert HttpObject("u", 5, None, "Mon, 01 Jan 2024 00:00:00 GMT", True).identity == \
        "modified:Mon, 01 Jan 2024 00:00:00 GMT;size:5"
    assert HttpObject("u", 5, None, None, False).identity == "size:5"


@pytest.mark.parametrize("ranges", [True, False])
def test_a_refused_head_falls_back_to_a_one_byte_get(http_server, ranges):
    name = f"nohead-{ranges}.bin"
    url = put(http_server, name, os.urandom(3 * MiB))
    http_server.behave(name, head=False, ranges=ranges)
    obj = http.head(url)
    assert (obj.size, obj.accepts_ranges, bool(obj.etag)) == (3 * MiB, ranges, True)
    assert [(r.method, r.range) for r in http_server.requests_for(name)] == [
        ("HEAD", None), ("GET", "bytes=0-0")]


def test_missing_url_names_it(http_server):
    url = http_server.url("no-such-file.bin")
    with pytest.raises(HttpSourceError) as caught:
        http.head(url)
    error = caught.value
    assert url in error.message and "404" in error.message
    assert error.exit_code == 2 and error.status == 404 and "URL" in error.hint


def test_connection_refused_is_an_http_source_error():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}/x.bin"
    with pytest.raises(HttpSourceError, match=r"127\.0\.0\.1") as caught:
        http.head(url)
    assert "retry later" in caught.value.hint


def test_a_big_file_streams_as_parallel_range_requests(http_server):
    data = os.urandom(50 * MiB + 123)
    url = put(http_server, "big.bin", data)
    obj = http.head(url)
    stream = http.open_stream(obj)
    assert isinstance(stream, PrefetchReader)
    digest = hashlib.sha256()
    with stream:
        while chunk := stream.read(4 * MiB):
            digest.update(chunk)
    assert digest.hexdigest() == hashlib.sha256(data).hexdigest()
    gets = [r for r in http_server.requests_for("big.bin") if r.method == "GET"]
    assert len(gets) == 7 and all(r.range for r in gets)
    assert "bytes=0-8388607" in {r.range for r in gets}


@pytest.mark.parametrize("size", [0, 1000, 3 * MiB])
def test_without_ranges_or_when_small_one_get_streams_it(http_server, size):
    name = f"plain-{size}.bin"
    data = os.urandom(size)
    url = put(http_server, name, data)
    http_server.behave(name, ranges=size < MiB)  # small: ranges on, but one chunk needs one GET
    obj = http.head(url)
    assert read_all(http.open_stream(obj, chunk_size=MiB)) == data
    assert [(r.method, r.range) for r in http_server.requests_for(name)] == [("HEAD", None), ("GET", None)]


@pytest.mark.parametrize("ranges", [True, False])
def test_a_truncated_body_is_an_error(http_server, ranges):
    name = f"cut-{ranges}.bin"
    url = put(http_server, name, os.urandom(3 * MiB))
    http_server.behave(name, ranges=ranges, truncate=1000)
    obj = http.head(url)
    with pytest.raises(HttpSourceError, match="connection dropped"):
        read_all(http.open_stream(obj, chunk_size=MiB))


def test_a_500_on_one_range_request_is_retried(http_server):
    data = os.urandom(4 * MiB)
    url = put(http_server, "flaky.bin", data)
    obj = http.head(url)
    http_server.behave("flaky.bin", fail={2})
    assert read_all(http.open_stream(obj, chunk_size=MiB, concurrency=2)) == data
    ranges = [r.range for r in http_server.requests_for("flaky.bin")[1:]]
    assert len(ranges) == 5 and len(set(ranges)) == 4


def test_read_at_returns_exact_ranges(http_server):
    data = os.urandom(10_000)
    read = http.read_at(http.head(put(http_server, "ranges.bin", data)))
    assert read(0, 1) == data[:1]
    assert read(9_990, 100) == data[9_990:]
    assert read(10_000, 5) == b"" and read(5, 0) == b""
    assert http_server.requests_for("ranges.bin")[-1].range == "bytes=9990-9999"


def test_read_at_refuses_a_server_that_ignores_ranges_unless_reading_it_all(http_server):
    data = os.urandom(10_000)
    obj = http.head(put(http_server, "ignores.bin", data))
    http_server.behave("ignores.bin", ranges=False)
    read = http.read_at(obj)
    assert read(0, 20_000) == data
    with pytest.raises(HttpSourceError, match="HTTP 200"):
        read(100, 10)


@pytest.mark.parametrize("ranges", [True, False])
def test_a_file_changed_after_head_is_an_error(http_server, ranges):
    name = f"changing-{ranges}.bin"
    path = http_server.root / name
    url = put(http_server, name, os.urandom(3 * MiB))
    http_server.behave(name, ranges=ranges)
    obj = http.head(url)
    path.write_bytes(os.urandom(3 * MiB))
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))  # a new ETag even on coarse clocks
    with pytest.raises(HttpSourceError, match="changed while being copied") as caught:
        read_all(http.open_stream(obj, chunk_size=MiB))
    assert "again" in caught.value.hint

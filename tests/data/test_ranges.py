"""RangeFile and PrefetchReader over an in-memory read_at."""

from __future__ import annotations

import io
import os
import threading
import time
import zipfile

import pytest
from hypothesis import given
from hypothesis import strategies as st

from octoup.data.ranges import PrefetchReader, RangeFile
from octoup.errors import StorageError

CHUNK = 1024


class Memory:
    """A read_at over bytes that records its calls and how many run at once."""

    def __init__(self, data: bytes, delay: float = 0.0):
        self.data = data
        self.delay = delay
        self.calls: list[tuple[int, int]] = []
        self.running = 0
        self.max_running = 0
        self._lock = threading.Lock()

    def __call__(self, start: int, length: int) -> bytes:
        with self._lock:
            self.calls.append((start, length))
            self.running += 1
            self.max_running = max(self.max_running, self.running)
        try:
            time.sleep(self.delay)
            return self.data[start:start + length]
        finally:
            with self._lock:
                self.running -= 1


def prefetch_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("octoup-prefetch")]


def wait_for_no_prefetch_threads(timeout: float = 5) -> None:
    deadline = time.monotonic() + timeout
    while prefetch_threads() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not prefetch_threads()


# RangeFile

def test_zipfile_reads_a_200_member_zip_in_few_requests():
    buffer = io.BytesIO()
    members = {f"dir/file-{i:03}.bin": os.urandom(5000 + i) for i in range(200)}
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    blob = buffer.getvalue()
    read_at = Memory(blob)
    block = 64 * 1024
    reads = 0

    class Counting(RangeFile):
        def readinto(self, b) -> int:
            nonlocal reads
            reads += 1
            return super().readinto(b)

    with Counting(read_at, len(blob), block_size=block) as f, zipfile.ZipFile(f) as zf:
        assert {name: zf.read(name) for name in zf.namelist()} == members

    assert reads > 600  # zipfile's own small reads
    assert len(read_at.calls) <= -(-len(blob) // block) + 2  # about one request per block
    assert all(length <= block for _, length in read_at.calls)


def test_small_reads_share_one_block_and_big_reads_bypass_the_cache():
    data = bytes(range(256)) * 40  # 10240 bytes
    read_at = Memory(data)
    f = RangeFile(read_at, len(data), block_size=1000, blocks=2)
    assert [f.read(10) for _ in range(50)] == [data[i:i + 10] for i in range(0, 500, 10)]
    assert read_at.calls == [(0, 1000)]

    f.seek(995)
    assert f.read(10) == data[995:1005]  # across a block boundary
    assert read_at.calls[1:] == [(1000, 1000)]

    f.seek(3000)
    assert f.read(2500) == data[3000:5500]
    assert read_at.calls[2:] == [(3000, 2500)]
    assert f.tell() == 5500


def test_the_cache_evicts_the_least_recently_used_block():
    data = os.urandom(4000)
    read_at = Memory(data)
    f = RangeFile(read_at, len(data), block_size=1000, blocks=2)
    for offset in (0, 1000, 0, 2000, 0, 1000):
        f.seek(offset)
        assert f.read(1) == data[offset:offset + 1]
    assert [start for start, _ in read_at.calls] == [0, 1000, 2000, 1000]


def test_seek_tell_and_reads_at_the_edges():
    data = os.urandom(3000)
    read_at = Memory(data)
    f = RangeFile(read_at, len(data), block_size=1000)
    assert f.seekable() and f.readable() and not f.writable()
    assert f.read(0) == b"" and read_at.calls == []
    assert f.seek(-10, os.SEEK_END) == 2990
    assert f.read(100) == data[-10:]
    assert f.read(100) == b""
    assert f.seek(5000) == 5000 and f.read(1) == b""
    assert f.seek(100) == 100 and f.seek(-50, os.SEEK_CUR) == 50
    assert f.read() == data[50:]
    buffer = bytearray(20)
    f.seek(2990)
    assert f.readinto(buffer) == 10 and buffer[:10] == data[2990:]
    with pytest.raises(ValueError):
        f.seek(-1)
    with pytest.raises(ValueError):
        f.seek(0, 7)
    f.close()
    with pytest.raises(ValueError):
        f.read(1)


def test_an_empty_object():
    read_at = Memory(b"")
    with RangeFile(read_at, 0) as f:
        assert f.read() == b"" and f.read(10) == b""
    assert read_at.calls == []


def test_a_source_shorter_than_its_size_is_an_error():
    with RangeFile(Memory(b"x" * 100), 200, block_size=64) as f, pytest.raises(StorageError, match="ended"):
        f.read()


@given(st.binary(max_size=300), st.lists(st.tuples(st.integers(0, 320), st.integers(-1, 120)), max_size=20),
       st.integers(1, 64), st.integers(1, 3))
def test_rangefile_reads_like_bytesio(data, operations, block_size, blocks):
    expected = io.BytesIO(data)
    with RangeFile(Memory(data), len(data), block_size=block_size, blocks=blocks) as f:
        for offset, size in operations:
            assert f.seek(offset) == expected.seek(offset)
            assert f.read(size) == expected.read(size)
            assert f.tell() == expected.tell()


# PrefetchReader

SIZES = [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 10 * CHUNK + 3]


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("read_size", [-1, 100, CHUNK, 3 * CHUNK + 7])
def test_prefetch_reader_returns_the_exact_bytes(size, read_size):
    data = os.urandom(size)
    read_at = Memory(data)
    with PrefetchReader(read_at, size, chunk_size=CHUNK, concurrency=3) as reader:
        parts = []
        while part := reader.read(read_size):
            assert len(part) == read_size or reader.tell() == size
            parts.append(part)
        assert reader.read(10) == b""
    assert b"".join(parts) == data
    assert sorted(read_at.calls) == [(s, min(CHUNK, size - s)) for s in range(0, size, CHUNK)]


@pytest.mark.parametrize("start", [0, 1, CHUNK, 5 * CHUNK + 17, 10 * CHUNK + 3, 20 * CHUNK])
def test_prefetch_reader_starts_at_an_offset(start):
    data = os.urandom(10 * CHUNK + 3)
    read_at = Memory(data)
    with PrefetchReader(read_at, len(data), chunk_size=CHUNK, start=start) as reader:
        assert reader.tell() == start
        assert reader.read() == data[start:]
    assert all(s >= start for s, _ in read_at.calls)


def test_readinto_fills_the_buffer():
    data = os.urandom(5 * CHUNK)
    with PrefetchReader(Memory(data), len(data), chunk_size=CHUNK) as reader:
        buffer = bytearray(2 * CHUNK + 5)
        assert reader.readinto(buffer) == len(buffer)
        assert buffer == data[:len(buffer)]
        assert reader.readinto(memoryview(buffer)[:10]) == 10


def test_fetches_in_flight_stay_within_concurrency():
    data = os.urandom(40 * CHUNK)
    read_at = Memory(data, delay=0.005)
    ahead = []

    def recording(start: int, length: int) -> bytes:
        ahead.append(start + length - reader.tell())
        return read_at(start, length)

    with PrefetchReader(recording, len(data), chunk_size=CHUNK, concurrency=3) as reader:
        got = b"".join(iter(lambda: reader.read(300), b""))
    assert got == data
    assert 2 <= read_at.max_running <= 3
    assert max(ahead) <= 3 * CHUNK  # memory: never more than `concurrency` chunks ahead of the reader


def test_a_failed_fetch_raises_on_the_read_that_reaches_it():
    data = os.urandom(10 * CHUNK)
    read_at = Memory(data)

    def failing(start: int, length: int) -> bytes:
        if start == 5 * CHUNK:
            raise OSError("boom")
        return read_at(start, length)

    with PrefetchReader(failing, len(data), chunk_size=CHUNK, concurrency=4) as reader:
        assert reader.read(5 * CHUNK) == data[:5 * CHUNK]
        with pytest.raises(OSError, match="boom"):
            reader.read(1)
        with pytest.raises(OSError, match="boom"):  # never skips past the hole
            reader.read(1)


def test_a_short_fetch_is_an_error():
    with PrefetchReader(Memory(b"x" * 100), 3 * CHUNK, chunk_size=CHUNK) as reader, \
            pytest.raises(StorageError, match="ended"):
        reader.read()


def test_close_while_fetches_are_pending_is_prompt_and_leaves_no_threads():
    data = os.urandom(20 * CHUNK)
    release = threading.Event()
    read_at = Memory(data)

    def blocking(start: int, length: int) -> bytes:
        if start:
            release.wait(10)
        return read_at(start, length)

    reader = PrefetchReader(blocking, len(data), chunk_size=CHUNK, concurrency=4)
    assert reader.read(CHUNK) == data[:CHUNK]  # chunks 1-3 are now in flight, blocked
    began = time.monotonic()
    reader.close()
    assert time.monotonic() - began < 0.5
    assert reader.closed
    with pytest.raises(ValueError):
        reader.read(1)
    release.set()
    wait_for_no_prefetch_threads()
    assert len(read_at.calls) <= 4  # nothing started after close; queued fetches were cancelled


def test_unread_reader_starts_nothing():
    read_at = Memory(os.urandom(10 * CHUNK))
    PrefetchReader(read_at, 10 * CHUNK, chunk_size=CHUNK).close()
    assert read_at.calls == []

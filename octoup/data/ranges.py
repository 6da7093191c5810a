"""File objects over ranged reads: random access for zip central directories, parallel prefetch for streams.

Both take a ``read_at(start, length)`` callable (an HTTP range request, a cloud ranged GET, ``os.pread``)
and the object's size, so they work the same over every source.
"""

from __future__ import annotations

import io
import os
from collections import OrderedDict, deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from octoup.errors import StorageError

ReadAt = Callable[[int, int], bytes]
"""read_at(start, length) -> exactly `length` bytes (fewer only at the end of the object)."""


def _exact(read_at: ReadAt, start: int, length: int) -> bytes:
    """``read_at`` for a range known to lie inside the object: anything shorter means the source shrank."""
    data = read_at(start, length)
    if len(data) != length:
        raise StorageError(f"The source ended early: asked for {length} bytes at offset {start}, "
                           f"got {len(data)}.", "It may have changed while being read; retry.")
    return data


class _Closable(io.RawIOBase):
    def readable(self) -> bool:
        return True

    def _check_open(self) -> None:
        if self.closed:
            raise ValueError("I/O operation on closed file.")


class RangeFile(_Closable):
    """A seekable, read-only file over ranged reads, for readers that jump around (zipfile reads the
    central directory at the end, then each member).

    Reads go through a small LRU cache of ``blocks`` blocks of ``block_size`` bytes, so many small reads
    cost few requests; a read of a block or more bypasses the cache. Separate instances may be used from
    separate threads at once; one instance must be used by one thread at a time.
    """

    def __init__(self, read_at: ReadAt, size: int, *, block_size: int = 2**20, blocks: int = 4):
        super().__init__()
        self._read_at = read_at
        self.size = size
        self._block_size = block_size
        self._blocks = blocks
        self._cache: OrderedDict[int, bytes] = OrderedDict()
        self._pos = 0

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        self._check_open()
        if whence == os.SEEK_CUR:
            offset += self._pos
        elif whence == os.SEEK_END:
            offset += self.size
        elif whence != os.SEEK_SET:
            raise ValueError(f"invalid whence {whence}")
        if offset < 0:
            raise ValueError(f"negative seek position {offset}")
        self._pos = offset
        return offset

    def tell(self) -> int:
        self._check_open()
        return self._pos

    def readinto(self, buffer: bytearray | memoryview) -> int:
        """Fill ``buffer`` from the current position; short only at the end of the object."""
        self._check_open()
        out = memoryview(buffer).cast("B")
        n = max(0, min(len(out), self.size - self._pos))
        if n >= self._block_size:
            out[:n] = _exact(self._read_at, self._pos, n)
        else:
            done = 0
            while done < n:
                index, offset = divmod(self._pos + done, self._block_size)
                block = self._block(index)
                take = min(n - done, len(block) - offset)
                out[done:done + take] = block[offset:offset + take]
                done += take
        self._pos += n
        return n

    def readall(self) -> bytes:
        return self.read(max(0, self.size - self._pos))

    def _block(self, index: int) -> bytes:
        block = self._cache.get(index)
        if block is None:
            start = index * self._block_size
            block = _exact(self._read_at, start, min(self._block_size, self.size - start))
            self._cache[index] = block
            if len(self._cache) > self._blocks:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(index)
        return block

    def close(self) -> None:
        self._cache.clear()
        super().close()


class PrefetchReader(_Closable):
    """A sequential reader of ``[start, size)`` that keeps up to ``concurrency`` chunks fetched or in flight
    in a thread pool, handed out in order: parallel range requests for one big object, holding at most
    ``concurrency × chunk_size`` bytes.

    ``read(n)`` returns ``n`` bytes unless the object ends first. A failed fetch raises on the read that
    reaches it, and on every read after. ``close()`` cancels queued fetches and returns without waiting
    for running ones, whose threads end as soon as their request does.
    """

    def __init__(self, read_at: ReadAt, size: int, *, chunk_size: int = 8 * 2**20, concurrency: int = 4,
                 start: int = 0):
        super().__init__()
        self._read_at = read_at
        self.size = size
        self._chunk_size = chunk_size
        self._concurrency = max(1, concurrency)
        self._pos = start  # the next byte read() returns
        self._next = start  # the start of the next chunk to submit
        self._pending: deque[Future[bytes]] = deque()
        self._chunk = memoryview(b"")
        self._error: BaseException | None = None
        self._pool = ThreadPoolExecutor(self._concurrency, thread_name_prefix="octoup-prefetch")

    def tell(self) -> int:
        self._check_open()
        return self._pos

    def readinto(self, buffer: bytearray | memoryview) -> int:
        self._check_open()
        if self._error is not None:
            raise self._error
        out = memoryview(buffer).cast("B")
        done = 0
        while done < len(out) and self._pos < self.size:
            if not self._chunk:
                self._chunk = memoryview(self._take())
            take = min(len(out) - done, len(self._chunk))
            out[done:done + take] = self._chunk[:take]
            self._chunk = self._chunk[take:]
            done += take
            self._pos += take
        return done

    def readall(self) -> bytes:
        parts = []
        while part := self.read(self._chunk_size):
            parts.append(part)
        return b"".join(parts)

    def _take(self) -> bytes:
        """The next chunk, once fetched; tops the queue up first so ``concurrency`` fetches run meanwhile."""
        while len(self._pending) < self._concurrency and self._next < self.size:
            length = min(self._chunk_size, self.size - self._next)
            self._pending.append(self._pool.submit(_exact, self._read_at, self._next, length))
            self._next += length
        try:
            return self._pending.popleft().result()
        except BaseException as exc:
            self._error = exc
            raise

    def close(self) -> None:
        if not self.closed:
            for future in self._pending:
                future.cancel()
            self._pending.clear()
            self._chunk = memoryview(b"")
            self._pool.shutdown(wait=False, cancel_futures=True)
        super().close()

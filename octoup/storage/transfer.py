"""The transfer engine every storage adapter shares.

Uploads read the source sequentially (hashing it on the way) and hand fixed-size parts to a
thread pool, holding at most ``concurrency + 1`` parts in memory; a failure, a checksum mismatch
or Ctrl-C aborts the multipart upload so no half object and no orphaned parts remain.
Downloads fetch ranges in parallel into a hidden temporary file beside the target, verify the
SHA-256 (and the cloud's own checksum when it has a whole-object one), then rename into place.
"""

from __future__ import annotations

import hashlib
import io
import os
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, TypeVar

from octoup.errors import ChecksumMismatch
from octoup.provider import Capability, ObjectInfo, Progress, TransferConfig
from octoup.storage import digest

if TYPE_CHECKING:
    from octoup.provider import StorageProvider

COPY_CHUNK = 4 * 2**20
T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class TransferResult:
    info: ObjectInfo
    size: int
    sha256: str
    parts: int = 1


def read_full(stream: BinaryIO, n: int) -> bytes:
    """Read exactly ``n`` bytes unless the stream ends first."""
    chunks: list[bytes] = []
    remaining = n
    while remaining > 0:
        chunk = stream.read(remaining)
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _check(uri: str, expected: str | None, actual: str, algorithm: str = "sha256") -> None:
    if expected is not None and expected.lower() != actual.lower():
        raise ChecksumMismatch(uri, algorithm, expected, actual)


def upload_stream(provider: StorageProvider, bucket: str, key: str, stream: BinaryIO, *,
                  size: int | None, config: TransferConfig, progress: Progress | None,
                  expected_sha256: str | None,
                  metadata: Mapping[str, str] | None) -> TransferResult:
    uri = provider.uri(bucket, key)
    config = config.for_size(size, max_parts=provider.max_parts, min_part=provider.min_part_size)
    sha = hashlib.sha256()
    known_small = size is not None and size < config.multipart_threshold
    head = read_full(stream, size if known_small else config.multipart_threshold)
    sha.update(head)
    full_head = len(head) == config.multipart_threshold
    more = read_full(stream, config.part_size) if full_head and not known_small else b""
    sha.update(more)
    if more and Capability.MULTIPART in provider.capabilities:
        return _multipart(provider, bucket, key, stream, head + more, sha, config, progress,
                          expected_sha256, metadata)
    if more:  # large, and the cloud uploads it best as one stream
        return _single_stream(provider, bucket, key, head + more, stream, sha, progress, size,
                              expected_sha256, metadata)
    _check(uri, expected_sha256, sha.hexdigest())
    info = provider.put(bucket, key, head, metadata)
    if progress:
        progress(len(head))
    return TransferResult(info, len(head), sha.hexdigest())


class _HashedRest(io.RawIOBase):
    """The head already read (and hashed), then the rest of the stream, hashed as it is read."""

    def __init__(self, head: bytes, stream: BinaryIO, sha, progress: Progress | None):
        self._head, self._stream, self.sha, self._progress = memoryview(head), stream, sha, progress
        self.total = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True  # only to report the position: SDKs ask where a resumable upload is

    def tell(self) -> int:
        return self.total

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        target = {io.SEEK_SET: offset, io.SEEK_CUR: self.total + offset}.get(whence)
        if target != self.total:
            raise io.UnsupportedOperation("a streamed upload cannot go back")
        return target

    def read(self, size: int = -1) -> bytes:
        """Up to ``size`` bytes (all when negative), short only at the end: no extra copy of
        the stream's data, which is handed to the hasher and the caller as it is."""
        pieces, wanted = [], size if size is not None and size >= 0 else None
        while wanted is None or wanted > 0:
            piece = self._next(wanted)
            if not piece:
                break
            pieces.append(piece)
            if wanted is not None:
                wanted -= len(piece)
        data = pieces[0] if len(pieces) == 1 else b"".join(pieces)
        self.total += len(data)
        if self._progress and data:
            self._progress(len(data))
        return data

    def _next(self, limit: int | None) -> bytes:
        if self._head:
            n = len(self._head) if limit is None else min(limit, len(self._head))
            piece, self._head = bytes(self._head[:n]), self._head[n:]
            return piece
        piece = self._stream.read(COPY_CHUNK if limit is None else limit)
        if piece:
            self.sha.update(piece)
        return piece

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _single_stream(provider, bucket, key, head: bytes, stream: BinaryIO, sha, progress, size,
                   expected_sha256, metadata) -> TransferResult:
    """One streamed upload; a SHA-256 mismatch found at the end deletes what was written."""
    uri = provider.uri(bucket, key)
    hasher = digest.BackgroundHash(sha)
    reader = _HashedRest(head, stream, hasher, progress)
    try:
        info = provider.put_stream(bucket, key, reader, size=size, metadata=metadata)
    finally:
        hasher.close()
    sha256 = hasher.hexdigest()
    try:
        _check(uri, expected_sha256, sha256)
    except ChecksumMismatch:
        provider.delete(bucket, key)
        raise
    return TransferResult(info, reader.total, sha256)


def _multipart(provider, bucket, key, stream, head, sha, config: TransferConfig, progress,
               expected_sha256, metadata) -> TransferResult:
    uri = provider.uri(bucket, key)
    writer = provider.begin_multipart(bucket, key, metadata)
    slots = threading.BoundedSemaphore(config.concurrency + 1)
    futures: list[Future] = []
    total = 0
    pool = ThreadPoolExecutor(max_workers=config.concurrency, thread_name_prefix="octoup-part")

    def send(number: int, data: bytes) -> object:
        try:
            token = writer.upload_part(number, data)
            if progress:
                progress(len(data))
            return token
        finally:
            slots.release()

    try:
        pending = head
        number = 0
        while True:
            # the head already read holds several parts: cut those first
            while len(pending) >= config.part_size:
                part, pending = pending[: config.part_size], pending[config.part_size:]
                number += 1
                total += len(part)
                slots.acquire()
                raise_first_failure(futures)
                futures.append(pool.submit(send, number, part))
            chunk = read_full(stream, config.part_size - len(pending))
            if not chunk:
                break
            sha.update(chunk)
            pending = pending + chunk if pending else chunk
        if pending or number == 0:
            number += 1
            total += len(pending)
            slots.acquire()
            futures.append(pool.submit(send, number, pending))
        wait(futures, return_when=FIRST_EXCEPTION)
        raise_first_failure(futures)
        _check(uri, expected_sha256, sha.hexdigest())
        info = writer.complete([f.result() for f in futures])
    except BaseException:
        for future in futures:
            future.cancel()
        pool.shutdown(wait=True, cancel_futures=True)
        writer.abort()
        raise
    pool.shutdown(wait=True)
    return TransferResult(info, total, sha.hexdigest(), parts=number)


def raise_first_failure(futures: list[Future]) -> None:
    """Re-raise the error of the first finished future that failed (cancelled ones are skipped)."""
    for future in futures:
        if future.done() and not future.cancelled() and future.exception() is not None:
            raise future.exception()  # type: ignore[misc]


def by_size(items: list[T], size: Callable[[T], int], job: Callable[[T], R], *, config: TransferConfig,
            name: str) -> list[R]:
    """``job`` on every item, results in item order: items up to the multipart threshold in a pool of
    ``concurrency`` threads, then larger ones one at a time (each is already split into parallel
    parts). The first failure cancels what has not started and is re-raised."""
    small = {i for i, item in enumerate(items) if size(item) <= config.multipart_threshold}
    results: dict[int, R] = {}
    with ThreadPoolExecutor(max_workers=config.concurrency, thread_name_prefix=name) as pool:
        futures = {i: pool.submit(job, items[i]) for i in sorted(small)}
        try:
            for i, future in futures.items():
                results[i] = future.result()
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise
    for i, item in enumerate(items):
        if i not in small:
            results[i] = job(item)
    return [results[i] for i in range(len(items))]


def upload_files(provider: StorageProvider, bucket: str, items: list[tuple[Path, str]], *,
                 config: TransferConfig, progress: Progress | None) -> list[TransferResult]:
    """Small files go through a pool one file per thread; large ones one at a time, in parts."""
    return by_size(items, lambda item: item[0].stat().st_size,
                   lambda item: provider.upload_file(bucket, item[1], item[0], config=config,
                                                     progress=progress),
                   config=config, name="octoup-file")


def download_file(provider: StorageProvider, bucket: str, key: str, path: Path, *,
                  config: TransferConfig, progress: Progress | None,
                  expected_sha256: str | None) -> TransferResult:
    uri = provider.uri(bucket, key)
    info = provider.stat(bucket, key)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.octoup-{os.getpid()}-{threading.get_ident()}")
    native = provider.native_digest(info)
    digests = {"sha256": digest.new("sha256")}
    if native and native[0] != "sha256":
        digests[native[0]] = digest.new(native[0])
    try:
        parallel = (Capability.RANGED_READ in provider.capabilities
                    and info.size > config.multipart_threshold and config.concurrency > 1)
        if parallel:
            _ranged_download(provider, bucket, key, info.size, tmp, config, progress)
            with tmp.open("rb") as fh:
                while chunk := fh.read(COPY_CHUNK):
                    for d in digests.values():
                        d.update(chunk)
        else:
            with provider.open(bucket, key) as src, tmp.open("wb") as out:
                while chunk := src.read(COPY_CHUNK):
                    out.write(chunk)
                    for d in digests.values():
                        d.update(chunk)
                    if progress:
                        progress(len(chunk))
        size = tmp.stat().st_size
        if size != info.size:
            raise ChecksumMismatch(uri, "size", str(info.size), str(size))
        sha256 = digests["sha256"].value()
        _check(uri, expected_sha256, sha256)
        if native:
            _check(uri, native[1], digests[native[0]].value(), native[0])
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return TransferResult(info, size, sha256, parts=max(1, -(-info.size // config.part_size)))


def _ranged_download(provider, bucket, key, size: int, tmp: Path, config: TransferConfig,
                     progress: Progress | None) -> None:
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        os.ftruncate(fd, size)

        def fetch(start: int) -> None:
            length = min(config.part_size, size - start)
            data = provider.read(bucket, key, start, length)
            if len(data) != length:
                raise ChecksumMismatch(provider.uri(bucket, key), "range length",
                                       str(length), str(len(data)))
            os.pwrite(fd, data, start)
            if progress:
                progress(length)

        with ThreadPoolExecutor(max_workers=config.concurrency,
                                thread_name_prefix="octoup-range") as pool:
            futures = [pool.submit(fetch, s) for s in range(0, size, config.part_size)]
            try:
                for future in futures:
                    future.result()
            except BaseException:
                pool.shutdown(wait=True, cancel_futures=True)
                raise
    finally:
        os.close(fd)

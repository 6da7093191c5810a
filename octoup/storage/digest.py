"""Checksums by name: hashlib's, plus CRC32C (the one GCS reports) when google-crc32c is present."""

from __future__ import annotations

import base64
import hashlib
import queue
import threading
from typing import Protocol


class Digest(Protocol):
    def update(self, data: bytes, /) -> None: ...
    def value(self) -> str: ...


class _Hashlib:
    def __init__(self, name: str):
        self._h = hashlib.new(name)

    def update(self, data: bytes, /) -> None:
        self._h.update(data)

    def value(self) -> str:
        return self._h.hexdigest()


class _Crc32c:
    """CRC32C as GCS reports it: base64 of the big-endian 4-byte value."""

    def __init__(self):
        from octoup.adaptors import optional_import

        self._h = optional_import("google_crc32c", "google-crc32c", "gcp").Checksum()

    def update(self, data: bytes, /) -> None:
        self._h.update(data)

    def value(self) -> str:
        return base64.b64encode(self._h.digest()).decode()


class BackgroundHash:
    """Feeds a hashlib object on a helper thread, so the bytes can be sent meanwhile.

    hashlib releases the GIL on large updates, so hashing overlaps with the network send that
    would otherwise wait for it. At most ``max_pending`` chunks wait in memory.
    """

    def __init__(self, hasher, max_pending: int = 8):
        self._hasher = hasher
        self._queue: queue.Queue[bytes | None] = queue.Queue(max_pending)
        self._thread = threading.Thread(target=self._run, name="octoup-hash", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (chunk := self._queue.get()) is not None:
            self._hasher.update(chunk)

    def update(self, data: bytes, /) -> None:
        self._queue.put(data)

    def close(self) -> None:
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()

    def hexdigest(self) -> str:
        self.close()
        return self._hasher.hexdigest()


def new(algorithm: str) -> Digest:
    if algorithm == "crc32c":
        return _Crc32c()
    return _Hashlib(algorithm)


def content_md5(digest: bytes) -> str:
    """The Content-MD5 header value for a raw MD5 ``digest``."""
    return base64.b64encode(digest).decode()

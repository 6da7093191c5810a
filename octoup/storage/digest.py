"""Checksums by name: hashlib's, plus CRC32C (the one GCS reports) when google-crc32c is present."""

from __future__ import annotations

import base64
import hashlib
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


def new(algorithm: str) -> Digest:
    if algorithm == "crc32c":
        return _Crc32c()
    return _Hashlib(algorithm)


def content_md5(digest: bytes) -> str:
    """The Content-MD5 header value for a raw MD5 ``digest``."""
    return base64.b64encode(digest).decode()

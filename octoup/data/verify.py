"""End-to-end checks on a source stream: its length and the source's own checksums, checked at EOF."""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import BinaryIO

from octoup.errors import ChecksumMismatch
from octoup.storage import digest
from octoup.storage.transfer import COPY_CHUNK

# whole-object checksums a source may report, as the digest module names them
VERIFIABLE = ("md5", "crc32c")


class VerifyingReader(io.RawIOBase):
    """Passes bytes through; at the end raises :class:`ChecksumMismatch` when the length or a
    checksum the source reported (MD5, CRC32C) disagrees with what was read."""

    def __init__(self, stream: BinaryIO, source: str, *, size: int | None,
                 checksums: Mapping[str, str] | None = None):
        self._stream, self._source, self._size = stream, source, size
        self._digests = {a: (digest.new(a), v) for a, v in (checksums or {}).items() if a in VERIFIABLE}
        self._read = 0
        self._checked = False

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self._stream.read(size if size is not None and size >= 0 else -1)
        if data:
            self._read += len(data)
            for hasher, _ in self._digests.values():
                hasher.update(data)
        elif size != 0:
            self._check()
        return data

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def _check(self) -> None:
        if self._checked:
            return
        self._checked = True
        if self._size is not None and self._read != self._size:
            raise ChecksumMismatch(self._source, "size", str(self._size), str(self._read))
        for algorithm, (hasher, expected) in self._digests.items():
            same = (hasher.value().lower() == expected.lower() if algorithm == "md5"  # hex
                    else hasher.value() == expected)  # base64 is case-sensitive
            if not same:
                raise ChecksumMismatch(self._source, algorithm, expected, hasher.value())


def drain(stream: BinaryIO) -> int:
    """Read a stream to its end (a tar member skipped on a rerun); the number of bytes."""
    total = 0
    while chunk := stream.read(COPY_CHUNK):
        total += len(chunk)
    return total

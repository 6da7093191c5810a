"""Git-lfs pointer files: the small text git stores in place of a large file."""

from __future__ import annotations

import re
from dataclasses import dataclass

SPEC = "version https://git-lfs.github.com/spec/v1"
MAX_POINTER = 1024
"""git-lfs never writes a pointer larger than this; bigger blobs are content, not pointers."""

_OID = re.compile(r"^oid sha256:([0-9a-f]{64})$", re.MULTILINE)
_SIZE = re.compile(r"^size (\d+)$", re.MULTILINE)


@dataclass(frozen=True)
class Pointer:
    oid: str
    size: int


def parse(data: bytes | str) -> Pointer | None:
    """The pointer ``data`` holds, or None when it is not a git-lfs pointer."""
    if isinstance(data, bytes):
        if len(data) > MAX_POINTER:
            return None
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError:
            return None
    if not data.startswith(SPEC):
        return None
    oid, size = _OID.search(data), _SIZE.search(data)
    if not (oid and size):
        return None
    return Pointer(oid.group(1), int(size.group(1)))

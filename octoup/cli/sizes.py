"""Sizes people type on the command line: 50MB, 1GiB, 200000."""

from __future__ import annotations

import re

from octoup.errors import OctoupError

UNITS = {"": 1, "B": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9, "KIB": 2**10, "MIB": 2**20, "GIB": 2**30}


def parse_size(text: str, flag: str) -> int:
    """Bytes in ``text``; a clear error naming ``flag`` when it is not a size."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*", text)
    unit = match.group(2).upper() if match else None
    if not match or unit not in UNITS:
        raise OctoupError(f"{flag} {text!r} is not a size", "Write it like 50MB, 1GiB or 200000.")
    return int(float(match.group(1)) * UNITS[unit])

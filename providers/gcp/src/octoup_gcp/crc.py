"""CRC32C of concatenated data from the parts' CRCs, as zlib's crc32_combine does for CRC-32."""

from __future__ import annotations

import base64
from functools import cache

POLY = 0x82F63B78  # Castagnoli, bit-reflected
_TOP = 1 << 31


def _multiply(a: int, b: int) -> int:
    """a * b modulo POLY (reflected: bit 31 is x^0)."""
    product = 0
    m = _TOP
    while a:
        if a & m:
            product ^= b
            a ^= m
        m >>= 1
        b = (b >> 1) ^ POLY if b & 1 else b >> 1
    return product


@cache
def _x_power_8n(n: int) -> int:
    """x^(8n) modulo POLY, by squaring (cached: parts mostly share one size)."""
    result, square = _TOP, _TOP >> 8  # 1 and x^8
    while n:
        if n & 1:
            result = _multiply(square, result)
        square = _multiply(square, square)
        n >>= 1
    return result


def combine(crc1: int, crc2: int, length2: int) -> int:
    """CRC32C of A+B given crc1 = CRC32C(A), crc2 = CRC32C(B) and len(B)."""
    return _multiply(_x_power_8n(length2), crc1) ^ crc2


def to_base64(crc: int) -> str:
    """The form GCS reports: base64 of the big-endian 4 bytes."""
    return base64.b64encode(crc.to_bytes(4, "big")).decode()

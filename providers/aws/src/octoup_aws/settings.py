from __future__ import annotations

from typing import Literal

from octoup.config import CloudSettings


class AwsSettings(CloudSettings):
    profile: str | None = None
    """Named profile from ~/.aws/config (default: AWS_PROFILE or the default chain)."""
    checksum: Literal["crc32", "md5"] = "crc32"
    """What S3 checks every request against: CRC32 (as the AWS SDKs send by default; cheap to
    compute) or Content-MD5, for S3-compatible stores that predate flexible checksums."""
    addressing_style: str | None = None
    """``path`` or ``virtual``; path is used automatically with a custom endpoint_url."""

from __future__ import annotations

from octoup.config import CloudSettings


class AwsSettings(CloudSettings):
    profile: str | None = None
    """Named profile from ~/.aws/config (default: AWS_PROFILE or the default chain)."""
    addressing_style: str | None = None
    """``path`` or ``virtual``; path is used automatically with a custom endpoint_url."""

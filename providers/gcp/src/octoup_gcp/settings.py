from __future__ import annotations

from octoup.config import CloudSettings


class GcpSettings(CloudSettings):
    """Google Cloud settings. ``region`` is the location new buckets are created in
    (``europe-west1``, ``EU``...; Google's default ``US`` when unset). ``endpoint_url`` points at
    an emulator (as STORAGE_EMULATOR_HOST does) and is used without credentials."""

    project: str | None = None
    """Project id that owns new buckets (default: GOOGLE_CLOUD_PROJECT or the ADC project)."""

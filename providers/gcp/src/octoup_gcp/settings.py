from __future__ import annotations

from octoup.config import CloudSettings


class GcpSettings(CloudSettings):
    """Google Cloud settings. ``region`` is the location new buckets are created in
    (``europe-west1``, ``EU``...; Google's default ``US`` when unset). ``endpoint_url`` points at
    an emulator (as STORAGE_EMULATOR_HOST does) and is used without credentials."""

    project: str | None = None
    """Project id that owns new buckets (default: GOOGLE_CLOUD_PROJECT or the ADC project)."""
    composite_uploads: bool = False
    """Upload large files as parallel parts composed into one object. Off by default, as in
    gsutil: composite objects have no MD5, every part costs a write, a compose and a delete, and
    parts in Nearline/Coldline buckets incur early-deletion fees. Off, large files go up as one
    resumable upload, checked with CRC32C."""

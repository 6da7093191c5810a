from __future__ import annotations

import os
from pathlib import Path

from octoup.config import CloudSettings


def default_root() -> Path:
    """Where local buckets live: $OCTOUP_LOCAL_ROOT, else the XDG data folder."""
    if env := os.environ.get("OCTOUP_LOCAL_ROOT"):
        return Path(env)
    data = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(data) / "octoup" / "buckets"


class LocalSettings(CloudSettings):
    root: str | None = None
    """Folder with one sub-folder per bucket (default: $OCTOUP_LOCAL_ROOT, else XDG data dir)."""

    def root_path(self) -> Path:
        return Path(self.root).expanduser() if self.root else default_root()

"""Where a project starts: the nearest folder holding octoup.toml (a cheap, dependency-free lookup)."""

from __future__ import annotations

from pathlib import Path

CONFIG_FILE = "octoup.toml"
LOCAL_CONFIG_FILE = "octoup.local.toml"


def find_root(start: Path | None = None) -> Path | None:
    """The nearest folder at or above ``start`` holding an ``octoup.toml``."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / CONFIG_FILE).is_file():
            return folder
    return None


def project_folder(start: Path | None = None) -> Path:
    """The project root for ``start``: the octoup.toml folder above it, else ``start`` itself."""
    here = (start or Path.cwd()).resolve()
    return find_root(here) or here


def display(path: Path, root: Path | None) -> Path:
    """``path`` relative to ``root`` when it lies inside it (for messages)."""
    if root is not None:
        try:
            return path.resolve().relative_to(root.resolve())
        except ValueError:
            pass
    return path

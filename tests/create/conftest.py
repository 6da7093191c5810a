"""Helpers for create tests: file trees and byte-level snapshots of folders."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import pytest


def tree(root: Path) -> set[str]:
    """Every file under ``root`` (POSIX paths), .git excluded."""
    return {
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if (p.is_file() or p.is_symlink()) and ".git" not in p.relative_to(root).parts
    }


def snapshot(root: Path) -> dict[str, str]:
    """Paths and contents of everything under ``root`` (folders too), .git excluded."""
    shot = {}
    for p in sorted(root.rglob("*")):
        relative = p.relative_to(root)
        if ".git" in relative.parts:
            continue
        shot[relative.as_posix()] = (hashlib.sha256(p.read_bytes()).hexdigest()
                                     if p.is_file() else "<dir>")
    return shot


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def no_active_env(monkeypatch):
    for name in ("VIRTUAL_ENV", "CONDA_PREFIX"):
        monkeypatch.delenv(name, raising=False)

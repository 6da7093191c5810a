"""Put a freshly built env in place so that a failed build never breaks the working one."""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from octoup.env.installed import is_env
from octoup.errors import OctoupError


def check_target(final: Path) -> None:
    """Refuse to replace a folder that is not an environment (it could hold someone's files)."""
    if final.exists() and not (final.is_dir() and is_env(final)):
        raise OctoupError(
            f"{final} exists and is not a Python environment; octoup will not replace it",
            "Move it away, or set another path with `octoup config set env.path PATH`.",
        )


def _sibling(final: Path, label: str) -> Path:
    return final.parent / f".{final.name}.octoup-{label}-{secrets.token_hex(4)}"


@contextmanager
def staged(final: Path) -> Iterator[Path]:
    """Build in a temporary sibling folder, then swap it in with two renames.

    For builders whose envs are relocatable (uv ``--relocatable``, rattler's alternative prefix).
    """
    check_target(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    building = _sibling(final, "build")
    try:
        yield building
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    old = _sibling(final, "old") if final.exists() else None
    if old:
        os.rename(final, old)
    os.rename(building, final)
    if old:
        remove_later(old)


def remove_later(folder: Path) -> None:
    """Delete a replaced env without making the user wait (a detached ``rm -rf`` on POSIX)."""
    if os.name == "posix" and shutil.which("rm"):
        import subprocess

        subprocess.Popen(
            ["rm", "-rf", "--", str(folder)],
            start_new_session=True,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    else:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def in_place(final: Path) -> Iterator[Path]:
    """Move the old env aside, build at the final path, and put the old one back on failure.

    For tools that write their prefix into the files they install (conda, pipenv's pip).
    """
    check_target(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    old = _sibling(final, "old") if final.exists() else None
    if old:
        os.rename(final, old)
    try:
        yield final
    except BaseException:
        shutil.rmtree(final, ignore_errors=True)
        if old:
            os.rename(old, final)
        raise
    if old:
        shutil.rmtree(old, ignore_errors=True)

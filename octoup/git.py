"""The few git operations octoup needs, run through the real ``git`` command."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from octoup.errors import OctoupError


class GitError(OctoupError):
    def __init__(self, args: list[str], output: str):
        super().__init__(f"`git {' '.join(args)}` failed: {output.strip() or 'no output'}",
                         "Fix the repository state (see `git status`) and run the command again.")


def available() -> bool:
    return shutil.which("git") is not None


def run(folder: Path, *args: str) -> str:
    """Run ``git args`` in ``folder`` and return its stdout; raises :class:`GitError` on failure."""
    result = subprocess.run(["git", *args], cwd=folder, capture_output=True, text=True)
    if result.returncode != 0:
        raise GitError(list(args), result.stderr or result.stdout)
    return result.stdout


def work_tree(folder: Path) -> Path | None:
    """The top of the git work tree holding ``folder``, or None outside one (or without git)."""
    if not available():
        return None
    result = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=folder,
                            capture_output=True, text=True)
    return Path(result.stdout.strip()).resolve() if result.returncode == 0 else None


def tracked(folder: Path) -> set[str]:
    """Paths (relative to ``folder``, POSIX style) that git tracks under ``folder``."""
    out = run(folder, "ls-files", "-z", "--full-name", "--", ".")
    top = work_tree(folder)
    prefix = folder.resolve().relative_to(top).as_posix() if top else "."
    names = [n for n in out.split("\0") if n]
    if prefix in ("", "."):
        return set(names)
    return {n[len(prefix) + 1:] for n in names if n.startswith(prefix + "/")}


def init(folder: Path) -> None:
    run(folder, "init", "--quiet")

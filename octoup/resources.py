"""Where the packaged ``templates/`` and ``stacks/`` folders are.

In a wheel they sit inside the package (``octoup/templates``); in a source checkout they are at
the repository root beside ``octoup/``.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _find(name: str) -> Path:
    for candidate in (_PACKAGE / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"octoup's {name}/ folder is missing from this installation")


def templates_dir() -> Path:
    return _find("templates")


def stacks_dir() -> Path:
    return _find("stacks")

"""The detector contract: a cheap look at file names, then a parse of the winner only."""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from pathlib import Path
from typing import ClassVar

from octoup.env.spec import EnvSpec
from octoup.project_root import display


class Detector(ABC):
    """Recognises one env-file format in a folder and turns it into an :class:`EnvSpec`."""

    name: ClassVar[str]
    patterns: ClassVar[tuple[str, ...]]

    def candidates(self, folder: Path) -> list[Path]:
        """The files of this format in ``folder``, best first (looks at names only)."""
        found: list[Path] = []
        for pattern in self.patterns:
            found += sorted(p for p in folder.glob(pattern) if p.is_file() and p not in found)
        return found

    @abstractmethod
    def load(self, path: Path, *, root: Path) -> EnvSpec:
        """Parse ``path`` (raises ConfigError naming file and line on bad input)."""

    def covers(self, spec: EnvSpec, path: Path) -> str | None:
        """Why ``path`` (another format's file) is already accounted for by ``spec``, if it is."""
        return None

    @staticmethod
    def shown(path: Path, root: Path) -> str:
        return str(display(path, root))


def key_line(text: str, key: str) -> int | None:
    """The first line of a TOML/INI text that assigns ``key`` (for ``file:line`` messages)."""
    pattern = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=", re.IGNORECASE)
    for number, line in enumerate(text.splitlines(), start=1):
        if pattern.match(line):
            return number
    return None


def string_line(text: str, value: str) -> int | None:
    """The first line holding ``value`` as a quoted string."""
    for quote in ('"', "'"):
        index = text.find(f"{quote}{value}{quote}")
        if index >= 0:
            return text.count("\n", 0, index) + 1
    return None

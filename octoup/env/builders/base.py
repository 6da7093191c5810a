"""The builder contract and the pieces every builder shares."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from octoup.env.spec import EnvSpec

Report = Callable[[str], None]


@dataclass
class BuildRequest:
    """What to build: the spec, where, with which Python, and whether dev packages are wanted."""

    spec: EnvSpec
    root: Path
    final: Path
    python: str | None
    dev: bool = False
    report: Report = print
    warnings: list[str] = field(default_factory=list)

    def warn(self, message: str) -> None:
        self.warnings.append(message)
        self.report(f"warning: {message}")


class Builder(ABC):
    name: ClassVar[str]
    #: True when the env can be built in a temporary folder and renamed into place
    relocatable: ClassVar[bool] = True

    @abstractmethod
    def build(self, request: BuildRequest, prefix: Path) -> None:
        """Build ``request.spec`` at ``prefix`` (a temporary folder when relocatable)."""

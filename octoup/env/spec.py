"""What a project declares about its environment, independent of the file it came from."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from packaging.utils import canonicalize_name


@dataclass(frozen=True)
class Origin:
    """Where a declaration was written: a file and, when known, a line."""

    path: Path
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.path}:{self.line}" if self.line else str(self.path)


@dataclass(frozen=True)
class Requirement:
    """One pip-style requirement: a name with a specifier, a URL, or a local path."""

    text: str
    name: str | None = None
    specifier: str = ""
    extras: tuple[str, ...] = ()
    marker: str | None = None
    url: str | None = None
    hashes: tuple[str, ...] = ()
    editable: bool = False
    origin: Origin | None = None

    @property
    def key(self) -> str | None:
        return canonicalize_name(self.name) if self.name else None

    @property
    def pin(self) -> str | None:
        """The exact version when the specifier is a single ``==`` (or ``===``) pin."""
        spec = self.specifier
        if spec.count("=") >= 2 and "," not in spec and spec.startswith("==") and "*" not in spec:
            return spec.lstrip("=")
        return None

    def line(self, *, with_hashes: bool = True) -> str:
        """This requirement as a requirements.txt line."""
        if self.url and not self.name:
            text = self.url
        elif self.url:
            extras = f"[{','.join(self.extras)}]" if self.extras else ""
            text = f"{self.name}{extras} @ {self.url}"
        else:
            extras = f"[{','.join(self.extras)}]" if self.extras else ""
            text = f"{self.name}{extras}{self.specifier}"
        if self.editable:
            text = f"-e {self.url or text}"
        elif self.marker:
            text = f"{text} ; {self.marker}"
        if with_hashes and self.hashes:
            text += "".join(f" --hash={h}" for h in self.hashes)
        return text


@dataclass(frozen=True)
class PythonRequest:
    """The Python version a project asks for, and which file asked."""

    version: str  # a version ("3.11", "3.11.7") or a specifier (">=3.10")
    origin: Origin

    @property
    def is_specifier(self) -> bool:
        return self.version[:1] in "<>=!~"


@dataclass
class CondaDeps:
    """The conda side of an environment.yml: name, channels and conda match specs."""

    name: str | None = None
    channels: list[str] = field(default_factory=list)
    specs: list[tuple[str, Origin]] = field(default_factory=list)


@dataclass
class EnvSpec:
    """A detected environment: what to install, from which files, with which Python.

    ``inputs`` lists every file whose content defines the env (the winner, its includes and
    locks); their bytes feed the env hash. ``locked`` marks specs whose requirements are a
    complete, exact set (lock files) that can be installed without resolving.
    """

    kind: str
    path: Path
    inputs: list[Path]
    requirements: list[Requirement] = field(default_factory=list)
    constraints: list[Requirement] = field(default_factory=list)
    index_options: list[str] = field(default_factory=list)
    dev_requirements: list[Requirement] = field(default_factory=list)
    locked: bool = False
    conda: CondaDeps | None = None
    python: PythonRequest | None = None
    install_project: bool = False
    lock_pins: dict[str, str] = field(default_factory=dict)
    lock_path: Path | None = None
    notes: list[str] = field(default_factory=list)

    def declared(self, *, dev: bool = False) -> list[Requirement]:
        return self.requirements + (self.dev_requirements if dev else [])

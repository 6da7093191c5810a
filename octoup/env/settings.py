"""The ``[env]`` table of octoup.toml, read without the full config model (``up`` must be fast)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from octoup.errors import ConfigError

if TYPE_CHECKING:
    from octoup.env.detect import Detection

VIA = ("auto", "uv", "rattler", "conda", "pipenv")


@dataclass(frozen=True)
class EnvSettings:
    path: str = ".venv"
    file: str | None = None
    via: str = "auto"
    dev: bool = False
    python: str | None = None

    def prefix(self, root: Path, override: Path | None = None) -> Path:
        """Where the project's env lives (``override`` or ``path``, relative to ``root``)."""
        path = override or Path(self.path)
        return path if path.is_absolute() else root / path

    def python_for(self, detection: Detection) -> str | None:
        """The Python to build with: ``env.python`` when set, else what the project asks for."""
        return self.python or (detection.python.version if detection.python else None)

    @classmethod
    def from_table(cls, table: dict[str, Any], source: str) -> EnvSettings:
        known = {f.name: f for f in fields(cls)}
        for key, value in table.items():
            if key not in known:
                raise ConfigError(
                    source, f"unknown key env.{key}", hint=f"Known keys in [env]: {', '.join(known)}."
                )
            wanted = bool if key == "dev" else str
            if not isinstance(value, wanted):
                raise ConfigError(source, f"env.{key} must be a {wanted.__name__}")
        if table.get("via", "auto") not in VIA:
            raise ConfigError(source, f"env.via must be one of {', '.join(VIA)}")
        return cls(**table)


def load(root: Path) -> EnvSettings:
    """``[env]`` from octoup.toml with octoup.local.toml on top (defaults when there is none)."""
    from octoup.textfiles import read_toml

    merged: dict[str, Any] = {}
    source = "octoup.toml"
    from octoup.project_root import CONFIG_FILE, LOCAL_CONFIG_FILE

    for name in (CONFIG_FILE, LOCAL_CONFIG_FILE):
        path = root / name
        if path.is_file():
            table = read_toml(path).get("env") or {}
            if table:
                source = name
            merged.update(table)
    return EnvSettings.from_table(merged, source)

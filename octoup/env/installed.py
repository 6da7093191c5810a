"""What is installed in an environment, read from its metadata without starting its Python."""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from packaging.utils import canonicalize_name


@dataclass(frozen=True)
class Installed:
    name: str
    version: str
    installer: str  # "conda", "uv", "pip", ...
    requires: tuple[str, ...] = ()
    editable: bool = False


@dataclass
class Environment:
    """An env prefix (venv or conda) and the distributions in it, keyed by canonical name."""

    prefix: Path
    packages: dict[str, Installed] = field(default_factory=dict)

    @property
    def python(self) -> Path:
        return python_path(self.prefix)

    @property
    def python_version(self) -> str | None:
        """The env's Python version, from pyvenv.cfg or conda's python record."""
        cfg = pyvenv_cfg(self.prefix)
        return cfg.get("version_info") or cfg.get("version") or self.version("python")

    def version(self, name: str) -> str | None:
        found = self.packages.get(canonicalize_name(name))
        return found.version if found else None


def python_path(prefix: Path) -> Path:
    return prefix / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")


def pyvenv_cfg(prefix: Path) -> dict[str, str]:
    """The ``key = value`` pairs of a venv's pyvenv.cfg (empty for conda envs)."""
    cfg = prefix / "pyvenv.cfg"
    if not cfg.is_file():
        return {}
    pairs = (line.partition("=") for line in cfg.read_text(encoding="utf-8").splitlines())
    return {key.strip(): value.strip() for key, sep, value in pairs if sep}


def is_env(prefix: Path) -> bool:
    return (prefix / "pyvenv.cfg").is_file() or (prefix / "conda-meta").is_dir()


def site_packages(prefix: Path) -> list[Path]:
    found = sorted(prefix.glob("lib/python3*/site-packages")) + sorted(prefix.glob("Lib/site-packages"))
    return [p for p in found if p.is_dir()]


def count(prefix: Path) -> int:
    """How many distributions ``prefix`` holds (names only: cheap enough to print after a build)."""
    names = {
        p.name.split("-", 1)[0].lower().replace("_", "-")
        for sp in site_packages(prefix)
        for p in sp.glob("*.dist-info")
    }
    names |= {p.name.rsplit("-", 2)[0].lower() for p in (prefix / "conda-meta").glob("*.json")}
    return len(names)


def read(prefix: Path) -> Environment:
    """The packages installed under ``prefix`` (pip/uv dist-info, and conda-meta records)."""
    from importlib.metadata import distributions

    env = Environment(prefix=prefix)
    for record in sorted((prefix / "conda-meta").glob("*.json")):
        data = json.loads(record.read_text(encoding="utf-8"))
        key = canonicalize_name(data["name"])
        env.packages[key] = Installed(
            data["name"], str(data["version"]), "conda", tuple(data.get("depends") or ())
        )
    for dist in distributions(path=[str(p) for p in site_packages(prefix)]):
        name = dist.metadata["Name"]
        if not name:
            continue
        key = canonicalize_name(name)
        installer = (dist.read_text("INSTALLER") or "unknown").strip()
        if key in env.packages and env.packages[key].installer == "conda":
            continue  # a conda package that also carries dist-info: conda owns it
        direct_url = dist.read_text("direct_url.json") or ""
        editable = bool(re.search(r'"editable"\s*:\s*true', direct_url))
        env.packages[key] = Installed(name, dist.version, installer, tuple(dist.requires or ()), editable)
    return env

"""The env hash (inputs + platform + Python + options) and the state file stored in the env."""

from __future__ import annotations

import hashlib
import json
import platform
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

from octoup.env.spec import EnvSpec

STATE_FILE = "octoup-env.json"
FORMAT = 1


@dataclass
class EnvState:
    hash: str
    kind: str
    source: str
    builder: str
    python: str | None
    dev: bool
    built_at: str
    seconds: float
    octoup: str


def env_hash(spec: EnvSpec, *, root: Path, builder: str, python: str | None, dev: bool) -> str:
    digest = hashlib.sha256()
    for part in (
        f"format={FORMAT}",
        f"builder={builder}",
        f"python={python}",
        f"dev={dev}",
        f"platform={sys.platform}-{platform.machine()}",
    ):
        digest.update(part.encode() + b"\0")
    for path in sorted(set(spec.inputs)):
        try:
            name = str(path.resolve().relative_to(root.resolve()))
        except ValueError:
            name = str(path)
        digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def read_state(prefix: Path) -> EnvState | None:
    try:
        return EnvState(**json.loads((prefix / STATE_FILE).read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None


def write_state(prefix: Path, state: EnvState) -> None:
    (prefix / STATE_FILE).write_text(json.dumps(asdict(state), indent=2) + "\n", encoding="utf-8")


def base_interpreter_ok(prefix: Path) -> bool:
    """A venv breaks when the Python it was made from is removed; conda envs carry their own."""
    from octoup.env.installed import pyvenv_cfg

    if not (prefix / "pyvenv.cfg").is_file():
        return (prefix / "conda-meta").is_dir()
    cfg = pyvenv_cfg(prefix)
    return Path(cfg["home"]).is_dir() if "home" in cfg else True

"""Which environment a command looks at: ``--env``, the project's env, or the active one."""

from __future__ import annotations

import os
from pathlib import Path

from octoup.env import settings as env_settings
from octoup.env.installed import Environment, is_env, read
from octoup.errors import OctoupError


def active_env() -> Path | None:
    """The activated virtualenv or conda env (VIRTUAL_ENV, then CONDA_PREFIX), if it is one."""
    for variable in ("VIRTUAL_ENV", "CONDA_PREFIX"):
        value = os.environ.get(variable)
        if value and is_env(Path(value)):
            return Path(value)
    return None


def target_env(root: Path, explicit: Path | None = None) -> Environment:
    if explicit is not None:
        if not is_env(explicit):
            raise OctoupError(
                f"{explicit} is not a Python environment (no pyvenv.cfg or conda-meta)",
                "Give the folder of a venv or conda env.",
            )
        return read(explicit)
    settings = env_settings.load(root)
    project_env = settings.prefix(root)
    if is_env(project_env):
        return read(project_env)
    active = active_env()
    if active is not None:
        return read(active)
    raise OctoupError(
        f"no environment to look at: {settings.path} does not exist and none is active",
        "Run `octoup up` first, activate an env, or pass --env PATH.",
    )

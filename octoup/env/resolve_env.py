"""Which environment a command looks at: ``--env``, the project's env, or the active one."""

from __future__ import annotations

import os
from pathlib import Path

from octoup.env import settings as env_settings
from octoup.env.installed import Environment, is_env, read
from octoup.errors import OctoupError


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
    for variable in ("VIRTUAL_ENV", "CONDA_PREFIX"):
        active = os.environ.get(variable)
        if active and is_env(Path(active)):
            return read(Path(active))
    raise OctoupError(
        f"no environment to look at: {settings.path} does not exist and none is active",
        "Run `octoup up` first, activate an env, or pass --env PATH.",
    )

"""``--with pipenv``: let pipenv itself install Pipfile/Pipfile.lock into octoup's env folder."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

from octoup.env.builders.base import Builder, BuildRequest
from octoup.env.builders.uv import make_venv
from octoup.env.uvtool import failure
from octoup.errors import OctoupError


def pipenv_command() -> list[str]:
    found = shutil.which("pipenv")
    if found:
        return [found]
    if importlib.util.find_spec("pipenv") is not None:
        return [sys.executable, "-m", "pipenv"]
    raise OctoupError(
        "pipenv is not installed",
        "pip install 'octoup[pipenv]' (or pipx install pipenv), or drop --with pipenv to build with uv",
    )


class PipenvBuilder(Builder):
    name = "pipenv"
    relocatable = False  # pip writes absolute paths into scripts: build at the final path

    def build(self, request: BuildRequest, prefix: Path) -> None:
        spec = request.spec
        command = pipenv_command()
        make_venv(request, prefix, relocatable=False, seed=True)
        folder = spec.path.parent
        verb = ["sync"] if spec.kind == "pipfile-lock" else ["install"]
        env = {
            **os.environ,
            "VIRTUAL_ENV": str(prefix),
            "PIPENV_PIPFILE": str(folder / "Pipfile"),
            "PIPENV_VERBOSITY": "-1",
            "PIPENV_NOSPIN": "1",
            "PIPENV_YES": "1",
            "PIPENV_IGNORE_VIRTUALENVS": "0",
        }
        env.pop("PIPENV_ACTIVE", None)
        request.report("installing with pipenv")
        result = subprocess.run(
            [*command, *verb, *(["--dev"] if request.dev else [])],
            cwd=folder,
            env=env,
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise failure(f"pipenv {verb[0]}", result.stderr + result.stdout, spec.declared(dev=request.dev))

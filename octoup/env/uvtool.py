"""Run uv (shipped as the ``uv`` wheel, so it is always there) and explain its failures."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from functools import cache
from pathlib import Path

from octoup.env.spec import Requirement
from octoup.errors import OctoupError


@cache
def uv_bin() -> str:
    try:
        from uv import find_uv_bin

        return find_uv_bin()
    except (ImportError, FileNotFoundError):
        found = shutil.which("uv")
        if not found:
            raise OctoupError("uv is not installed", "pip install uv (octoup builds envs with it)") from None
        return found


class BuildFailed(OctoupError):
    """A package manager failed; the message says which package and why (``output`` is all it said)."""

    output: str = ""


def run(
    args: list[str],
    *,
    cwd: Path,
    what: str,
    requirements: list[Requirement] = (),
    env: dict[str, str] | None = None,
) -> str:
    """Run ``uv ARGS``; on failure raise :class:`BuildFailed` naming the requirement at fault."""
    result = subprocess.run(
        [uv_bin(), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, "UV_NO_PROGRESS": "1", **(env or {})},
    )
    if result.returncode != 0:
        raise failure(what, result.stderr or result.stdout, requirements)
    return result.stdout


def failure(what: str, output: str, requirements: list[Requirement] = ()) -> BuildFailed:
    """A readable error from a package manager's output, pointing at the declaring line."""
    lines = [line.strip(" ×╰─▶│") for line in output.strip().splitlines() if line.strip()]
    lines = [
        line for line in lines if line and not line.startswith(("Using ", "Resolved ", "warning: Ignoring"))
    ]
    summary = "\n  ".join(lines[-8:]) or "no output"
    blamed = blame(output, requirements)
    hint = (
        f"{blamed.origin}: {blamed.text} — check the name, version and markers"
        if blamed and blamed.origin
        else "Fix the env file and run `octoup up` again; the previous env was kept."
    )
    error = BuildFailed(f"{what} failed:\n  {summary}", hint)
    error.output = output
    return error


def blame(output: str, requirements: list[Requirement]) -> Requirement | None:
    """The declared requirement that a resolver or installer message names, if any."""
    text = output.lower().replace("_", "-")
    for requirement in requirements:
        key = requirement.key
        if key and re.search(rf"(?<![\w-]){re.escape(key)}(?![\w-])", text):
            return requirement
    return None


def python_missing(output: str) -> bool:
    lowered = output.lower()
    return any(
        text in lowered
        for text in (
            "no interpreter found",
            "no python installation",
            "not find a python",
            "failed to inspect python interpreter",
        )
    )

"""environment.yml with the user's own conda, mamba or micromamba."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from octoup.env.builders.base import Builder, BuildRequest
from octoup.env.uvtool import failure

TOOLS = ("micromamba", "mamba", "conda")


def find_tool() -> str | None:
    """The first conda front end on PATH (fastest first)."""
    for tool in TOOLS:
        path = shutil.which(tool)
        if path:
            return path
    return None


class CondaCliBuilder(Builder):
    name = "conda"
    relocatable = False  # conda writes its prefix into files: build at the final path

    def build(self, request: BuildRequest, prefix: Path) -> None:
        tool = find_tool()
        assert tool is not None, "CondaCliBuilder is chosen only when a conda tool is on PATH"
        name = Path(tool).name
        if name == "conda":
            args = [tool, "env", "create", "--yes", "--prefix", str(prefix), "--file", str(request.spec.path)]
        else:
            args = [tool, "create", "--yes", "--prefix", str(prefix), "--file", str(request.spec.path)]
        request.report(f"building with {name}")
        result = subprocess.run(args, cwd=request.spec.path.parent, capture_output=True, text=True)
        if result.returncode != 0:
            raise failure(f"{name} building {request.spec.path.name}", result.stderr or result.stdout)

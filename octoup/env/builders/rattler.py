"""conda packages without conda: solve and install an environment.yml with py-rattler."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from octoup.adaptors import optional_import
from octoup.env.builders.base import Builder, BuildRequest
from octoup.env.installed import python_path
from octoup.env.uvtool import BuildFailed, blame
from octoup.errors import OctoupError

DEFAULT_CHANNELS = ("conda-forge",)


class ChannelUnreachable(OctoupError):
    """No conda channel answered: the caller may fall back to PyPI."""


class RattlerBuilder(Builder):
    name = "rattler"

    def build(self, request: BuildRequest, prefix: Path) -> None:
        optional_import("rattler", package="py-rattler", extra="conda")
        spec = request.spec
        channels = [channel_url(c, spec.path.parent) for c in (spec.conda.channels or DEFAULT_CHANNELS)]
        specs = [text for text, _ in spec.conda.specs]
        if (
            request.python
            and spec.python
            and spec.python.origin.path.name in ("runtime.txt", ".python-version")
        ):
            specs = [s for s in specs if not re.match(r"^python\b", s)] + [f"python={request.python}"]
        result = _in_worker({"channels": channels, "specs": specs, "prefix": str(prefix),
                             "final": str(request.final)})
        first_line = result.get("message", "").splitlines()[:1]
        if result["outcome"] == "unreachable":
            raise ChannelUnreachable(f"no conda channel could be read ({', '.join(channels)}): "
                                     + "".join(first_line))
        if result["outcome"] == "unsolvable":
            requirements = [_as_requirement(text, origin) for text, origin in spec.conda.specs]
            blamed = blame(result["message"], requirements)
            raise BuildFailed(
                f"solving {spec.path.name} failed:\n  " + "\n  ".join(result["message"].splitlines()[:8]),
                f"{blamed.origin}: {blamed.text} — check the name, version and channels"
                if blamed
                else "Check the package names and the channels.",
            )
        if result["outcome"] != "installed":
            raise BuildFailed(f"installing the conda packages of {spec.path.name} failed: "
                              + result.get("message", "no result"))
        request.report(f"installed {result['packages']} conda packages")
        if spec.requirements:
            from octoup.env.builders.uv import install

            install(_pip_only(request), python_path(prefix))
            fix_shebangs(prefix, request.final)


def _in_worker(request: dict) -> dict:
    """Run the rattler solve and install in :mod:`rattler_worker` (see there why)."""
    process = subprocess.run([sys.executable, "-m", "octoup.env.builders.rattler_worker"],
                             input=json.dumps(request), capture_output=True, text=True)
    try:
        return json.loads(process.stdout)
    except ValueError:
        detail = (process.stderr or "").strip().splitlines()[-3:]
        return {"outcome": "failed", "message": f"the rattler worker exited with {process.returncode}: "
                + " ".join(detail)}


def channel_url(channel: str, folder: Path) -> str:
    """Local channel folders (``./channel``, ``file://``) as absolute URLs; names and URLs as they are."""
    if channel.startswith(("./", "../", "/")) or (folder / channel).is_dir():
        return (folder / channel).resolve().as_uri()
    return channel


def _pip_only(request: BuildRequest) -> BuildRequest:
    from dataclasses import replace

    pip_spec = replace(request.spec, conda=None, kind="pip-section")
    return replace(request, spec=pip_spec)


def _as_requirement(text: str, origin):
    from octoup.env.detectors.conda import split_conda_spec
    from octoup.env.spec import Requirement

    return Requirement(text=text, name=split_conda_spec(text)[0], origin=origin)


def fix_shebangs(prefix: Path, final: Path) -> None:
    """Scripts pip-installed into the temporary prefix point at it; point them at the final one."""
    old, new = str(prefix).encode(), str(final).encode()
    bin_dir = prefix / "bin"
    for script in bin_dir.iterdir() if bin_dir.is_dir() else ():
        if script.is_symlink() or not script.is_file():
            continue
        with open(script, "rb") as handle:
            head = handle.read(2)
        if head != b"#!":
            continue
        data = script.read_bytes()
        if old in data:
            mode = script.stat().st_mode
            script.write_bytes(data.replace(old, new))
            os.chmod(script, mode)

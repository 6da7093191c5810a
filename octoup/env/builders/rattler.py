"""conda packages without conda: solve and install an environment.yml with py-rattler."""

from __future__ import annotations

import asyncio
import os
import re
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
        rattler = optional_import("rattler", package="py-rattler", extra="conda")
        from rattler.exceptions import FetchRepoDataError, GatewayError, SolverError

        spec = request.spec
        channels = [channel_url(c, spec.path.parent) for c in (spec.conda.channels or DEFAULT_CHANNELS)]
        specs = [text for text, _ in spec.conda.specs]
        if (
            request.python
            and spec.python
            and spec.python.origin.path.name in ("runtime.txt", ".python-version")
        ):
            specs = [s for s in specs if not re.match(r"^python\b", s)] + [f"python={request.python}"]
        try:
            records = asyncio.run(
                rattler.solve(sources=channels, specs=specs, virtual_packages=rattler.VirtualPackage.detect())
            )
        except (FetchRepoDataError, GatewayError) as exc:
            raise ChannelUnreachable(
                f"no conda channel could be read ({', '.join(channels)}): {str(exc).splitlines()[0]}"
            ) from None
        except SolverError as exc:
            requirements = [_as_requirement(text, origin) for text, origin in spec.conda.specs]
            blamed = blame(str(exc), requirements)
            raise BuildFailed(
                f"solving {spec.path.name} failed:\n  " + "\n  ".join(str(exc).splitlines()[:8]),
                f"{blamed.origin}: {blamed.text} — check the name, version and channels"
                if blamed
                else "Check the package names and the channels.",
            ) from None
        request.report(f"solved {len(records)} conda packages; installing")
        asyncio.run(
            rattler.install(
                records, target_prefix=prefix, alternative_target_prefix=request.final, show_progress=False
            )
        )
        if spec.requirements:
            from octoup.env.builders.uv import install

            install(_pip_only(request), python_path(prefix))
            fix_shebangs(prefix, request.final)


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

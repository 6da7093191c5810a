"""The default builder: a relocatable venv made and filled by uv."""

from __future__ import annotations

import re
import tempfile
from dataclasses import replace
from pathlib import Path

from octoup.env.builders.base import Builder, BuildRequest
from octoup.env.installed import python_path
from octoup.env.spec import Requirement
from octoup.env.uvtool import BuildFailed, python_missing
from octoup.env.uvtool import run as run_uv
from octoup.errors import OctoupError

_LOCAL = re.compile(r"^(\.{1,2}(/|$)|[^:/]+/)")


class UvBuilder(Builder):
    name = "uv"

    def build(self, request: BuildRequest, prefix: Path) -> None:
        make_venv(request, prefix, relocatable=True)
        install(request, python_path(prefix))


def make_venv(request: BuildRequest, prefix: Path, *, relocatable: bool, seed: bool = False) -> None:
    args = ["venv", str(prefix), "--no-project", "--quiet", "--prompt", request.root.name]
    if relocatable:
        args.append("--relocatable")
    if seed:
        args.append("--seed")
    if request.python:
        args += ["--python", interpreter_for(request.python)]
    try:
        run_uv(args, cwd=request.root, what="creating the virtual environment")
    except BuildFailed as exc:
        if python_missing(exc.output):
            origin = request.spec.python.origin if request.spec.python else None
            raise OctoupError(
                f"Python {request.python}{f' (asked for by {origin})' if origin else ''} "
                "is not available here",
                f"Install it (`uv python install {request.python}`, pyenv or your OS), "
                "or change the version the project asks for.",
            ) from None
        raise


def interpreter_for(request: str) -> str:
    """The Python running octoup when it satisfies ``request`` (skips uv's search of PATH, which
    is slow behind pyenv shims); else the request itself, for uv to find."""
    import platform
    import sys

    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    here = platform.python_version()
    if platform.python_implementation() != "CPython":
        return request
    if request[:1].isdigit():
        matches = here == request or here.startswith(request + ".")
    else:
        try:
            matches = SpecifierSet(request).contains(here)
        except InvalidSpecifier:
            matches = False
    return str(Path(sys._base_executable).resolve()) if matches else request


def install(request: BuildRequest, python: Path) -> None:
    """Install ``request.spec``'s packages into the env whose interpreter is ``python``."""
    spec = request.spec
    folder = spec.path.parent
    target = ["--python", str(python)]
    what = f"installing {spec.path.name}"
    declared = spec.declared(dev=request.dev)
    if spec.kind == "requirements":
        run_uv(
            ["pip", "install", *target, "-r", str(spec.path)],
            cwd=folder,
            what=what,
            requirements=declared + spec.constraints,
        )
        return
    with tempfile.TemporaryDirectory(prefix="octoup-req-") as scratch:
        requirements = Path(scratch) / "requirements.txt"
        if spec.kind == "pyproject" and spec.lock_path and spec.lock_path.name == "uv.lock":
            export = [
                "export",
                "--frozen",
                "--no-header",
                "--format",
                "requirements-txt",
                "--directory",
                str(folder),
                "-o",
                str(requirements),
            ]
            run_uv(
                export + (["--all-groups"] if request.dev else ["--no-dev"]),
                cwd=folder,
                what="reading uv.lock",
            )
            run_uv(["pip", "sync", *target, str(requirements)], cwd=folder, what=what, requirements=declared)
            return
        lines = _option_lines(spec.index_options)
        lines += [absolute(r, folder).line() for r in requirements_of(request)]
        if spec.install_project:
            lines.append(f"-e {folder}")
        requirements.write_text("\n".join(lines) + "\n", encoding="utf-8")
        # a lock is the complete set: sync installs it as is, without resolving
        args = (
            ["pip", "sync", *target, str(requirements)]
            if spec.locked
            else ["pip", "install", *target, "-r", str(requirements)]
        )
        if spec.lock_pins and not spec.locked:
            constraints = Path(scratch) / "constraints.txt"
            constraints.write_text("".join(f"{n}=={v}\n" for n, v in sorted(spec.lock_pins.items())))
            args += ["-c", str(constraints)]
        run_uv(args, cwd=folder, what=what, requirements=declared)


def requirements_of(request: BuildRequest) -> list[Requirement]:
    from octoup.env.conda_names import pypi_requirements

    spec = request.spec
    mapped, unmapped = pypi_requirements(spec, dev=request.dev)
    if unmapped:
        request.warn(
            f"{spec.path.name}: not installable from PyPI, skipped: {', '.join(unmapped)} "
            "(use conda, mamba or `pip install 'octoup[conda]'` for these)"
        )
    return mapped


def _option_lines(options: list[str]) -> list[str]:
    lines: list[str] = []
    index = 0
    while index < len(options):
        option = options[index]
        takes_value = index + 1 < len(options) and not options[index + 1].startswith("--")
        lines.append(f"{option} {options[index + 1]}" if takes_value else option)
        index += 2 if takes_value else 1
    return lines


def absolute(requirement: Requirement, folder: Path) -> Requirement:
    """Local paths in a requirement made absolute, so a temporary requirements file can hold it."""
    url = requirement.url
    if not url or not _LOCAL.match(url) or "://" in url:
        return requirement
    return replace(requirement, url=str((folder / url).resolve()))

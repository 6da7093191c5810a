"""Turn an environment.yml's conda packages into PyPI requirements (the uv route for conda envs)."""

from __future__ import annotations

import re
import tomllib
from functools import cache
from pathlib import Path

from octoup.env.spec import EnvSpec, Requirement


@cache
def _table() -> dict:
    return tomllib.loads((Path(__file__).parent / "conda_pypi.toml").read_text(encoding="utf-8"))


def pypi_name(conda_name: str) -> str | None:
    """The PyPI name for a conda package, or None when it only exists on conda."""
    table = _table()
    name = conda_name.lower()
    if name in table["rename"]:
        return table["rename"][name] or None
    if name in table["conda_only"]["names"]:
        return None
    if any(name.startswith(prefix) for prefix in table["conda_only"]["prefixes"]) and name not in (
        "librosa",
        "libcst",
        "libsass",
    ):
        return None
    return name


def pep440(conda_version: str) -> str | None:
    """A conda version constraint as a PEP 440 specifier (None when it has no equivalent)."""
    text = conda_version.strip()
    if not text:
        return ""
    if "|" in text or re.search(r"[^\w.*,<>=!~+\-]", text):
        return None
    out = []
    for part in text.split(","):
        part = part.strip()
        if re.fullmatch(r"[\d.]+\*?|[\d.]+\.\*", part) or (
            part.startswith("=") and not part.startswith("==")
        ):
            version = part.lstrip("=").removesuffix("*").removesuffix(".")
            out.append(f"=={version}.*" if part.startswith("=") or part.endswith("*") else f"=={version}")
        else:
            out.append(part)
    return ",".join(out)


def pypi_requirements(spec: EnvSpec, *, dev: bool = False) -> tuple[list[Requirement], list[str]]:
    """``spec``'s requirements as PyPI requirements (conda specs mapped, then the pip section),
    and the conda specs that have no PyPI equivalent."""
    if spec.conda is None:
        return spec.declared(dev=dev), []
    from octoup.env.detectors.conda import split_conda_spec

    mapped: list[Requirement] = []
    unmapped: list[str] = []
    for text, origin in spec.conda.specs if spec.conda else []:
        name, constraint = split_conda_spec(text)
        # "name=1.2=build": the build string has no PyPI meaning
        constraint = re.sub(r"^(=?=?[^=\s]+)=\S+$", r"\1", constraint.replace(" ", ""))
        target = pypi_name(name)
        if target is None:
            if name.lower() not in ("python", "pip", "setuptools", "wheel"):
                unmapped.append(text)
            continue
        specifier = pep440(constraint)
        if specifier is None:
            unmapped.append(text)
            specifier = ""
        mapped.append(
            Requirement(text=f"{target}{specifier}", name=target, specifier=specifier, origin=origin)
        )
    return mapped + list(spec.requirements), unmapped

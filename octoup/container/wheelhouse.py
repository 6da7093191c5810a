"""An offline wheelhouse: every wheel the image needs, downloaded on the host with pip for the
image's Python and CPU, so the build itself needs no package index (``--offline``)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from octoup.container.plan import ImagePlan, machine
from octoup.errors import OctoupError


def _pip() -> list[str]:
    import importlib.util

    if importlib.util.find_spec("pip") is not None:
        return [sys.executable, "-m", "pip"]
    found = shutil.which("pip3") or shutil.which("pip")
    if found:
        return [found]
    raise OctoupError("--offline needs pip on this machine to download the wheelhouse",
                      "Install pip (python -m ensurepip, or apt-get install python3-pip).")


def platforms(arch: str) -> list[str]:
    """Wheel platform tags a Debian bookworm image (glibc 2.36) on ``arch`` accepts."""
    tags = ["manylinux2014", "manylinux_2_17", "manylinux_2_28", "manylinux_2_31", "manylinux_2_34",
            "manylinux_2_35", "manylinux_2_36", "linux"]
    return [f"{tag}_{arch}" for tag in tags]


def download(plan: ImagePlan, target: Path) -> list[Path]:
    """Fill ``target`` with wheels for ``plan``'s requirements; pip's error becomes ours."""
    target.mkdir(parents=True, exist_ok=True)
    requirements = target.parent / "wheelhouse-requirements.txt"
    requirements.write_text(plan.env_text, encoding="utf-8")
    command = [*_pip(), "download", "--quiet", "--disable-pip-version-check", "--dest", str(target),
               "--only-binary=:all:", "--implementation", "cp", "--python-version", plan.python,
               *[arg for tag in platforms(machine()) for arg in ("--platform", tag)],
               "-r", str(requirements)]
    if plan.hashes:
        command.append("--require-hashes")
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        tail = "\n".join((result.stderr or result.stdout).strip().splitlines()[-8:])
        raise OctoupError(f"could not download the wheelhouse for {plan.source}:\n{tail}",
                          "Every requirement needs a wheel for "
                          f"Python {plan.python} on linux/{machine()}; check names and versions.")
    return sorted(target.glob("*.whl"))

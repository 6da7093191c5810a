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


def cache_root() -> Path:
    import os

    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "octoup" / "wheelhouse"


def cached(plan: ImagePlan, report=lambda line: None) -> Path:
    """The wheelhouse for ``plan``, downloaded once per (requirements, Python, CPU) and reused:
    a code-only rebuild must not go back to the index."""
    import hashlib
    import shutil
    import tempfile

    key = hashlib.sha256(f"{plan.env_text}\0{plan.python}\0{machine()}".encode()).hexdigest()[:24]
    target = cache_root() / key
    if target.is_dir():
        report(f"wheelhouse for {plan.source} from the cache ({target})")
        return target
    report(f"downloading the wheelhouse for {plan.source} (Python {plan.python}, {machine()})")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(prefix=f"{key}-", dir=target.parent))
    try:
        download(plan, partial / "wheels")
        (partial / "wheels").rename(target)
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    return target


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

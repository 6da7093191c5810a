"""Git-for-data fixtures: real git + git-lfs, a bare repository on disk as the remote, and the data
tests' projects (local store, or moto / GCS emulator / Azurite as the clouds)."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import run_octoup
from tests.data.conftest import cloud_project, project  # noqa: F401 (fixtures)

if shutil.which("git") is None or subprocess.run(["git", "lfs", "version"], capture_output=True).returncode:
    pytest.skip("git and git-lfs are needed (apt-get install git git-lfs)", allow_module_level=True)


def git(cwd: Path, *args: str, check: bool = True, env: dict | None = None) -> subprocess.CompletedProcess:
    import os

    result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True,
                            env={**os.environ, **(env or {})}, timeout=600)
    if check and result.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def octoup_ok(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return run_octoup(*args, cwd=cwd, check=True)


def sha(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def as_user(repo: Path, email: str) -> None:
    git(repo, "config", "user.email", email)
    git(repo, "config", "user.name", email.split("@")[0])


@pytest.fixture
def gitenv(isolated) -> Path:
    """HOME's git config for the test: a name, and main as the first branch."""
    home = isolated.parent / "home"
    home.mkdir(exist_ok=True)
    (home / ".gitconfig").write_text("[user]\n\tname = Sarah\n\temail = sarah@example.com\n"
                                     "[init]\n\tdefaultBranch = main\n")
    return home


@pytest.fixture
def remote(isolated, gitenv) -> Path:
    """A bare repository on disk: the git host."""
    path = isolated.parent / "remote.git"
    git(isolated.parent, "init", "--quiet", "--bare", str(path))
    return path


def start_repo(folder: Path, remote: Path, files: dict[str, bytes], *, cloud: str | None = None) -> None:
    """`octoup data track 'data/**'` in a fresh git repository in ``folder`` (which may already hold
    octoup.toml), add ``files``, commit and push main to ``remote``."""
    git(folder, "init", "--quiet")
    octoup_ok("data", "track", "data/**", *(["--cloud", cloud] if cloud else []), cwd=folder)
    for name, data in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    git(folder, "add", ".")
    git(folder, "commit", "--quiet", "-m", "data")
    git(folder, "remote", "add", "origin", str(remote))
    git(folder, "push", "--quiet", "-u", "origin", "main")

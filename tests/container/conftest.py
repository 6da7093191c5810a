"""Fixtures for container tests: a real dockerd with a local base image, tiny wheels on a local
"index" (a find-links folder; no network), and projects that install them."""

from __future__ import annotations

import base64
import hashlib
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.container.docker_env import ensure_base_image, start_daemon


@pytest.fixture(scope="session")
def docker_host(tmp_path_factory) -> str:
    daemon = start_daemon(tmp_path_factory.mktemp("dockerd"))
    try:
        ensure_base_image(daemon.host)
        yield daemon.host
    finally:
        daemon.stop()


@pytest.fixture
def octoup(isolated):
    """The real CLI in a subprocess, as tests/conftest.py's, with room for slow image builds
    (vfs copies every layer; a cold build takes minutes on a busy 2-core machine)."""

    def call(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "octoup", *args], cwd=isolated, text=True,
                              capture_output=True, env={**os.environ, **(env or {})}, timeout=900)

    return call


@pytest.fixture
def docker_env(docker_host, monkeypatch, wheel_index) -> str:
    """DOCKER_HOST for the real daemon, and pip pointed at the local wheel folder only."""
    monkeypatch.setenv("DOCKER_HOST", docker_host)
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(wheel_index))
    return docker_host


def make_wheel(folder: Path, name: str, version: str, code: str) -> Path:
    """A real, installable pure-Python wheel with one module ``name``."""
    dist = f"{name}-{version}"
    files = {
        f"{name}.py": code,
        f"{dist}.dist-info/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
        f"{dist}.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: octoup-tests\nRoot-Is-Purelib: true\n"
                                   "Tag: py3-none-any\n",
    }
    record = []
    for path, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(text.encode())}")
    record.append(f"{dist}.dist-info/RECORD,,")
    files[f"{dist}.dist-info/RECORD"] = "\n".join(record) + "\n"
    wheel = folder / f"{dist}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, text in files.items():
            archive.writestr(zipfile.ZipInfo(path, (2020, 1, 1, 0, 0, 0)), text)
    return wheel


@pytest.fixture(scope="session")
def wheel_index(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("wheels")
    make_wheel(folder, "octotiny", "1.0", "ANSWER = 42\n")
    make_wheel(folder, "octoextra", "2.1", "def hello():\n    return 'hello from octoextra'\n")
    return folder


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()

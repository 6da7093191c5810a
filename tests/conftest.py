"""Fixtures for core tests: an isolated home, local store and project folder per test."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.browser import chromium  # noqa: F401  (one definition of the fixture for every test)

SECRET_ENV = ("AWS_SECRET_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SESSION_TOKEN", "AWS_PROFILE",
              "AZURE_STORAGE_CONNECTION_STRING", "AZURE_STORAGE_KEY", "AZURE_STORAGE_ACCOUNT",
              "GOOGLE_APPLICATION_CREDENTIALS", "STORAGE_EMULATOR_HOST", "OCTOUP_DEBUG",
              "GOOGLE_CLOUD_PROJECT", "CLOUDSDK_CORE_PROJECT")


@pytest.fixture
def isolated(tmp_path, monkeypatch) -> Path:
    """A clean project folder as cwd, with HOME and the local store inside tmp_path."""
    for name in SECRET_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("OCTOUP_LOCAL_ROOT", str(tmp_path / "store"))
    # google.auth must never probe the GCE metadata server or read a real gcloud config
    monkeypatch.setenv("NO_GCE_CHECK", "true")
    monkeypatch.setenv("GCE_METADATA_HOST", "127.0.0.1:9")
    monkeypatch.setenv("GCE_METADATA_IP", "127.0.0.1:9")
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(tmp_path / "gcloud"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    project = tmp_path / "my-project"
    project.mkdir()
    monkeypatch.chdir(project)
    return project


def run_octoup(*args: str, cwd: Path | None = None, env: dict | None = None,
               check: bool = False) -> subprocess.CompletedProcess:
    """Run the real console entry point in a subprocess, as a user would."""
    result = subprocess.run([sys.executable, "-m", "octoup", *args], cwd=cwd, text=True,
                            capture_output=True, env={**os.environ, **(env or {})}, timeout=120)
    if check and result.returncode != 0:
        raise AssertionError(f"octoup {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


@pytest.fixture
def octoup(isolated):
    def call(*args: str, **kwargs) -> subprocess.CompletedProcess:
        kwargs.setdefault("cwd", isolated)
        return run_octoup(*args, **kwargs)

    return call

"""Offline package sources for env tests: a wheelhouse and a conda channel built here."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.env.packages import index_channel, make_conda_noarch, make_conda_python, make_wheel

WHEELS = [
    ("octo-alpha", "1.0", [], None),
    ("octo-alpha", "2.0", [], None),
    ("octo-beta", "1.0", ["octo-alpha>=1.0"], {"fast": ["octo-gamma"]}),
    ("octo-gamma", "0.5", [], None),
    ("octo-delta", "3.1", [], None),
]


@pytest.fixture(scope="session")
def wheelhouse(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("wheelhouse")
    for name, version, requires, extras in WHEELS:
        make_wheel(folder, name, version, requires=requires, extras=extras)
    return folder


@pytest.fixture(scope="session")
def conda_channel(tmp_path_factory) -> Path:
    channel = tmp_path_factory.mktemp("conda") / "channel"
    make_conda_python(channel)
    make_conda_noarch(channel, "octo-conda-alpha", "1.2.0")
    make_conda_noarch(channel, "octo-conda-alpha", "2.0.0")
    make_conda_noarch(channel, "octo-conda-beta", "0.3", depends=["octo-conda-alpha >=2"])
    return index_channel(channel)


@pytest.fixture(scope="session")
def uv_cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("uv-cache")


@pytest.fixture
def offline(isolated, wheelhouse, uv_cache, monkeypatch) -> Path:
    """A project folder whose builds install only from the test wheelhouse (no index at all)."""
    monkeypatch.setenv("UV_FIND_LINKS", str(wheelhouse))
    monkeypatch.setenv("UV_NO_INDEX", "1")
    monkeypatch.setenv("UV_CACHE_DIR", str(uv_cache))
    monkeypatch.setenv("UV_PYTHON_DOWNLOADS", "never")
    monkeypatch.setenv("PIP_FIND_LINKS", str(wheelhouse))
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    for name in ("VIRTUAL_ENV", "CONDA_PREFIX", "PYTHONDONTWRITEBYTECODE"):
        monkeypatch.delenv(name, raising=False)
    return isolated


def write_files(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def copy_wheel(wheelhouse: Path, name: str, target: Path) -> Path:
    found = next(wheelhouse.glob(f"{name}-*.whl"))
    target.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy(found, target))

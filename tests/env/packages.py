"""Build real wheels and conda packages in a test, so env builds run offline from local sources."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import sys
import tarfile
import zipfile
from pathlib import Path


def _module(name: str) -> str:
    return name.replace("-", "_")


def make_wheel(
    folder: Path,
    name: str,
    version: str,
    *,
    requires: list[str] = (),
    extras: dict[str, list[str]] | None = None,
) -> Path:
    """A pure-Python wheel whose module ``name`` (dashes → underscores) exposes ``__version__``."""
    module = _module(name)
    dist_info = f"{module}-{version}.dist-info"
    metadata = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
    metadata += [f"Requires-Dist: {r}" for r in requires]
    for extra, extra_requires in (extras or {}).items():
        metadata.append(f"Provides-Extra: {extra}")
        metadata += [f'Requires-Dist: {r} ; extra == "{extra}"' for r in extra_requires]
    files = {
        f"{module}/__init__.py": f"__version__ = {version!r}\n",
        f"{dist_info}/METADATA": "\n".join(metadata) + "\n",
        f"{dist_info}/WHEEL": (
            "Wheel-Version: 1.0\nGenerator: octoup-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        ),
    }
    record = []
    for path, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(text.encode())}")
    files[f"{dist_info}/RECORD"] = "\n".join([*record, f"{dist_info}/RECORD,,"]) + "\n"
    folder.mkdir(parents=True, exist_ok=True)
    wheel = folder / f"{module}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, text in files.items():
            archive.writestr(path, text)
    return wheel


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _add(tar: tarfile.TarFile, name: str, data: bytes, mode: int = 0o644) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = mode
    tar.addfile(info, io.BytesIO(data))


def _conda_package(path: Path, index: dict, files: dict[str, bytes], links: dict[str, str]) -> Path:
    entries = [
        {
            "_path": p,
            "path_type": "hardlink",
            "sha256": hashlib.sha256(d).hexdigest(),
            "size_in_bytes": len(d),
        }
        for p, d in files.items()
    ]
    entries += [{"_path": p, "path_type": "softlink"} for p in links]
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w:bz2", compresslevel=1) as tar:
        _add(tar, "info/index.json", json.dumps(index).encode())
        _add(tar, "info/paths.json", json.dumps({"paths": entries, "paths_version": 1}).encode())
        _add(tar, "info/files", "\n".join([*files, *links]).encode() + b"\n")
        for name, data in files.items():
            _add(tar, name, data, 0o755 if name.startswith("bin/") else 0o644)
        for name, target in links.items():
            info = tarfile.TarInfo(name)
            info.type = tarfile.SYMTYPE
            info.linkname = target
            tar.addfile(info)
    return path


def make_conda_python(channel: Path) -> Path:
    """A stand-in ``python`` conda package: conda-forge is out of reach here, so this package makes
    its prefix a venv of the running CPython (pyvenv.cfg + bin/python link). Everything else about
    the env (solve, link, noarch site-packages, conda-meta) is rattler's real work."""
    base = Path(sys.base_prefix)
    major_minor = f"{sys.version_info.major}.{sys.version_info.minor}"
    version = f"{major_minor}.{sys.version_info.micro}"
    real = Path(os.path.realpath(sys._base_executable))
    index = {
        "name": "python",
        "version": version,
        "build": "0_octoup_test",
        "build_number": 0,
        "depends": [],
        "subdir": "linux-64",
        "platform": "linux",
        "arch": "x86_64",
        "license": "PSF-2.0",
        "timestamp": 1700000000000,
    }
    files = {
        "pyvenv.cfg": f"home = {real.parent}\ninclude-system-site-packages = false\n"
        f"version = {version}\n".encode(),
        f"lib/python{major_minor}/site-packages/.keep": b"",
    }
    links = {"bin/python": str(real), f"bin/python{major_minor}": str(real), "bin/python3": str(real)}
    del base
    return _conda_package(
        channel / "linux-64" / f"python-{version}-0_octoup_test.tar.bz2", index, files, links
    )


def make_conda_noarch(channel: Path, name: str, version: str, *, depends: list[str] = ()) -> Path:
    """A ``noarch: python`` conda package holding module ``name`` with ``__version__``."""
    module = _module(name)
    index = {
        "name": name,
        "version": version,
        "build": "py_0",
        "build_number": 0,
        "depends": ["python", *depends],
        "noarch": "python",
        "subdir": "noarch",
        "license": "MIT",
        "timestamp": 1700000000000,
    }
    files = {f"site-packages/{module}/__init__.py": f"__version__ = {version!r}\n".encode()}
    return _conda_package(channel / "noarch" / f"{name}-{version}-py_0.tar.bz2", index, files, {})


def index_channel(channel: Path) -> Path:
    import rattler.index

    (channel / "noarch").mkdir(parents=True, exist_ok=True)
    import asyncio

    asyncio.run(rattler.index.index_fs(channel, force=True))
    return channel

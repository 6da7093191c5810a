"""The build context: the project's files minus what .dockerignore excludes, plus octoup's
generated files, as one tar stream (the docker SDK sends it as is).

Layout inside the tar: ``Dockerfile``, ``octoup/`` (generated env file, wheelhouse) and
``project/`` (the code). Entries are sorted and their times fixed, so an unchanged project gives
an identical context and docker reuses every layer.
"""

from __future__ import annotations

import io
import tarfile
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from octoup.container.plan import GEN, PROJECT, ImagePlan


@dataclass
class ContextSummary:
    files: int
    bytes: int
    excluded: list[str] = field(default_factory=list)
    """Top-level entries (or counts per top-level folder) left out by the ignore rules."""
    ignore_source: str = ""
    wheels: int = 0


def project_files(root: Path, patterns: list[str]) -> tuple[list[str], list[str]]:
    """(included, excluded) paths relative to ``root``, using docker's own .dockerignore rules."""
    from docker.utils.build import exclude_paths

    # exclude_paths walks the tree itself and yields what survives (docker's matching semantics)
    kept = sorted(path for path in exclude_paths(str(root), list(patterns))
                  if (root / path).is_file() or (root / path).is_symlink())
    kept_set = set(kept)
    excluded: Counter[str] = Counter()
    for path in root.rglob("*"):
        if not path.is_file() and not path.is_symlink():
            continue
        relative = path.relative_to(root).as_posix()
        if relative not in kept_set:
            excluded[relative.split("/", 1)[0]] += 1
    shown = [f"{top}/ ({count} files)" if (root / top).is_dir() else top
             for top, count in sorted(excluded.items())]
    return kept, shown


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes, mode: int = 0o644) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = mode
    info.mtime = 0
    tar.addfile(info, io.BytesIO(data))


def build_context(plan: ImagePlan, dockerfile: str, *, wheelhouse: Path | None = None):
    """A temporary file holding the context tar, and its summary. The caller closes the file."""
    included, excluded = project_files(plan.root, plan.ignore)
    summary = ContextSummary(files=0, bytes=0, excluded=excluded, ignore_source=plan.ignore_source)
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - returned open; the caller closes it
    with tarfile.open(fileobj=handle, mode="w", format=tarfile.PAX_FORMAT) as tar:
        _add_bytes(tar, "Dockerfile", dockerfile.encode())
        _add_bytes(tar, plan.env_file, plan.env_text.encode())
        if wheelhouse is not None:
            for wheel in sorted(wheelhouse.iterdir()):
                info = tar.gettarinfo(str(wheel), f"{GEN}/wheelhouse/{wheel.name}")
                info.mtime = 0
                with wheel.open("rb") as data:
                    tar.addfile(info, data)
                summary.wheels += 1
        for relative in included:
            path = plan.root / relative
            info = tar.gettarinfo(str(path), f"{PROJECT}/{relative}")
            info.mtime = 0
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            summary.files += 1
            if info.isreg():
                summary.bytes += info.size
                with path.open("rb") as data:
                    tar.addfile(info, data)
            else:
                tar.addfile(info)
    handle.seek(0)
    return handle, summary


def summarise(plan: ImagePlan) -> ContextSummary:
    """What the context would hold, without writing it (for ``--dry-run``)."""
    included, excluded = project_files(plan.root, plan.ignore)
    size = sum((plan.root / path).stat().st_size for path in included
               if (plan.root / path).is_file())
    return ContextSummary(files=len(included), bytes=size, excluded=excluded,
                          ignore_source=plan.ignore_source)

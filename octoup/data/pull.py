"""``octoup data pull`` and ``push``: the dataset's bucket ↔ ``data/raw/<name>/``, verified both ways.

Pull downloads in parallel, checks every file's SHA-256 (or the cloud's checksum when the manifest
has no SHA-256), writes atomically, and skips files already there and intact. Push uploads new and
changed local files and records them; deleting objects for files removed locally needs ``delete``.
"""

from __future__ import annotations

import errno
import fnmatch
import hashlib
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from octoup.data import manifest as mf
from octoup.data.copy import Reporter
from octoup.errors import OctoupError
from octoup.storage.transfer import by_size

if TYPE_CHECKING:
    from octoup.config import Project

RAW = Path("data/raw")


@dataclass
class SyncSummary:
    name: str
    folder: Path
    files: int = 0
    moved: int = 0
    skipped: int = 0
    deleted: int = 0
    bytes_moved: int = 0
    seconds: float = 0.0


class DiskFull(OctoupError):
    def __init__(self, path: Path):
        super().__init__(f"no space left on the device while writing {path}; nothing partial was kept",
                         "Free some space, or pull part of the dataset with --only PATTERN.")


def local_folder(root: Path, name: str) -> Path:
    return root / RAW / name


def sha256_of(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def intact(path: Path, entry: mf.FileEntry) -> bool:
    """The local file is the manifest's file (size, then SHA-256 when it is known)."""
    if not path.is_file() or path.stat().st_size != entry.size:
        return False
    return entry.sha256 is None or sha256_of(path) == entry.sha256


def selected(manifest: mf.Manifest, only: list[str] | None) -> dict[str, mf.FileEntry]:
    if not only:
        return dict(manifest.files)
    chosen = {p: e for p, e in manifest.files.items() if any(fnmatch.fnmatch(p, pat) for pat in only)}
    if not chosen:
        raise OctoupError(f"no file of '{manifest.name}' matches {', '.join(only)}",
                          f"See the files with `octoup data ls {manifest.name}`.")
    return chosen


def pull(project: Project, name: str, *, only: list[str] | None = None, version: str | None = None,
         sample: bool = False, reporter: Reporter | None = None) -> SyncSummary:
    from octoup import registry
    from octoup.data.versions import snapshot

    reporter = reporter or Reporter()
    began = time.monotonic()
    manifest = snapshot(project.root, name, version) if version else mf.load_dataset(project.root, name)
    storage = registry.for_project(project, manifest.cloud)
    folder = local_folder(project.root, name)
    summary = SyncSummary(name, folder)
    if sample:
        if not manifest.sample_files:
            raise OctoupError(f"'{name}' has no sample yet",
                              f"Make one with `octoup data sample {name} --fraction 0.01`.")
        manifest.files = dict(manifest.sample_files)
    files = selected(manifest, only)
    todo = {p: e for p, e in files.items() if not intact(folder / p, e)}
    summary.files, summary.skipped = len(files), len(files) - len(todo)
    reporter.add_total(sum(e.size for e in todo.values()), len(todo))
    config = storage.transfer_config()

    def fetch(path: str, entry: mf.FileEntry) -> None:
        from octoup.data.versions import object_key

        target = folder / path
        try:
            storage.download_file(manifest.bucket, object_key(manifest, path, entry), target,
                                  expected_sha256=entry.sha256, progress=reporter.advance)
        except OSError as exc:
            if exc.errno == errno.ENOSPC:
                raise DiskFull(target) from None
            raise
        reporter.file_done(path, copied=True)

    by_size(list(todo.items()), lambda item: item[1].size, lambda item: fetch(*item), config=config,
            name="octoup-pull")
    summary.moved = len(todo)
    summary.bytes_moved = sum(e.size for e in todo.values())
    summary.seconds = time.monotonic() - began
    return summary


def push(project: Project, name: str, *, delete: bool = False,
         reporter: Reporter | None = None) -> SyncSummary:
    """Upload what changed in ``data/raw/<name>/`` since the manifest was written."""
    from octoup import registry
    from octoup.data.sources import local_identity
    from octoup.data.versions import Keeper

    reporter = reporter or Reporter()
    began = time.monotonic()
    manifest = mf.load_dataset(project.root, name)
    storage = registry.for_project(project, manifest.cloud)
    folder = local_folder(project.root, name)
    if not folder.is_dir():
        raise OctoupError(f"{folder.relative_to(project.root)} does not exist: nothing to push",
                          f"Pull the dataset first (`octoup data pull {name}`), change it, then push.")
    local = {p.relative_to(folder).as_posix(): p for p in sorted(folder.rglob("*"))
             if p.is_file() and not p.name.startswith(".")}
    changed = {rel: p for rel, p in local.items()
               if rel not in manifest.files or not intact(p, manifest.files[rel])}
    gone = [rel for rel in manifest.files if rel not in local] if delete else []
    summary = SyncSummary(name, folder, files=len(local), skipped=len(local) - len(changed))
    reporter.add_total(sum(p.stat().st_size for p in changed.values()), len(changed))
    path = mf.manifest_path(project.root, name)
    keeper = Keeper(project.root, storage, manifest)
    try:
        for rel, file in changed.items():
            keeper.protect(rel)
            result = storage.upload_file(manifest.bucket, manifest.key(rel), file, progress=reporter.advance)
            manifest.record(rel, mf.FileEntry(result.size, result.sha256, dict(result.info.checksums),
                                              str(file.relative_to(project.root)), local_identity(file),
                                              result.info.version_id))
            summary.moved += 1
            summary.bytes_moved += result.size
            reporter.file_done(rel, copied=True)
        for rel in gone:
            keeper.protect(rel)
            storage.delete(manifest.bucket, manifest.key(rel))
            manifest.forget(rel)
            summary.deleted += 1
    finally:
        manifest.save(path)
    summary.seconds = time.monotonic() - began
    return summary


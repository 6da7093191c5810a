"""Dataset versions: ``octoup data version NAME`` snapshots the manifest; old bytes are kept.

A snapshot is a copy of the manifest in ``data/.octoup/<name>/versions/<label>.json``. Objects
are overwritten in place by later copies and pushes, so before a file a snapshot still refers to
is replaced or deleted, its object is copied (server-side when the cloud can) to an immutable,
content-addressed key ``<prefix>.versions/<sha256>``. Reading a version takes each file from its
current key when the bytes are unchanged, else from that archive key.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from octoup.data import manifest as mf
from octoup.errors import ObjectNotFound, OctoupError

if TYPE_CHECKING:
    from octoup.provider import StorageProvider

LABEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def versions_folder(root: Path, name: str) -> Path:
    return mf.folder(root, name) / "versions"


def labels(root: Path, name: str) -> list[str]:
    folder = versions_folder(root, name)
    return sorted((p.stem for p in folder.glob("*.json")), key=_natural)


def _natural(label: str) -> tuple:
    return tuple(int(t) if t.isdigit() else t for t in re.split(r"(\d+)", label))


def archive_key(manifest: mf.Manifest, entry: mf.FileEntry) -> str:
    if entry.sha256 is None:
        raise OctoupError(f"{manifest.name}: a file copied server-side has no SHA-256 to version it by",
                          f"Pull and push it once (`octoup data pull {manifest.name}` then `push`).")
    return f"{manifest.prefix}.versions/{entry.sha256}"


def create(root: Path, name: str, label: str | None = None) -> tuple[str, mf.Manifest]:
    manifest = mf.load_dataset(root, name)
    existing = labels(root, name)
    label = label or f"v{len(existing) + 1}"
    if not LABEL.fullmatch(label):
        raise OctoupError(f"'{label}' is not a usable version label", "Use letters, digits, '.', '_', '-'.")
    if label in existing:
        raise OctoupError(f"{name} already has a version {label}", "Choose another --label.")
    missing = [p for p, e in manifest.files.items() if e.sha256 is None]
    if missing:
        raise OctoupError(f"{name}: {len(missing)} file(s) have no SHA-256 (copied server-side), "
                          f"e.g. {missing[0]}", f"Pull and push them once to hash them: "
                          f"`octoup data pull {name}` then `octoup data push {name}`.")
    snap = replace(manifest, version=label, files=dict(manifest.files))
    snap.save(versions_folder(root, name) / f"{label}.json")
    return label, snap


def snapshot(root: Path, name: str, label: str) -> mf.Manifest:
    """The dataset as it was at ``label``, each entry pointing at where its bytes are now."""
    path = versions_folder(root, name) / f"{label}.json"
    if not path.is_file():
        known = labels(root, name)
        raise OctoupError(f"{name} has no version {label}",
                          f"Versions: {', '.join(known)}." if known else
                          f"Make one with `octoup data version {name}`.")
    snap = mf.Manifest.load(path, str(path.relative_to(root)))
    current = mf.load_dataset(root, name).files
    for rel, entry in snap.files.items():
        now = current.get(rel)
        if now is None or now.sha256 != entry.sha256:
            entry.key = archive_key(snap, entry)
    return snap


def object_key(manifest: mf.Manifest, path: str, entry: mf.FileEntry) -> str:
    return entry.key or manifest.key(path)


class Keeper:
    """Keeps the bytes every snapshot refers to before a copy or push replaces or deletes them."""

    def __init__(self, root: Path, storage: StorageProvider, manifest: mf.Manifest):
        self.storage, self.manifest = storage, manifest
        self.referenced: set[str] = set()
        for label in labels(root, manifest.name):
            path = versions_folder(root, manifest.name) / f"{label}.json"
            snap = mf.Manifest.load(path, str(path.relative_to(root)))
            self.referenced |= {e.sha256 for e in snap.files.values() if e.sha256}

    def protect(self, path: str) -> None:
        entry = self.manifest.files.get(path)
        if entry is None or entry.sha256 not in self.referenced:
            return
        bucket, target = self.manifest.bucket, archive_key(self.manifest, entry)
        try:
            self.storage.stat(bucket, target)
            return  # already kept
        except ObjectNotFound:
            pass
        self.storage.copy(bucket, self.manifest.key(path), bucket, target)

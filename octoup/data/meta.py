"""A dataset's small files (statistics, schema, examples): kept in ``data/.octoup/<name>/`` for git,
with a copy beside the data in the bucket (``<prefix>.octoup/``) so ``pull --stats-only`` can fetch
them where the repository does not have them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from octoup.data import manifest as mf

if TYPE_CHECKING:
    from octoup.config import Project

FOLDER = ".octoup/"


def key(manifest: mf.Manifest, name: str) -> str:
    return f"{manifest.prefix}{FOLDER}{name}"


def store(project: Project, manifest: mf.Manifest, files: dict[str, str]) -> bool:
    """Write the files locally and to the bucket; ``git add`` them in a repository (never commits).
    Returns whether they were staged."""
    from octoup import git, registry
    from octoup.textfiles import write_atomic

    folder = mf.folder(project.root, manifest.name)
    storage = registry.for_project(project, manifest.cloud)
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        write_atomic(folder / name, text)
        storage.put(manifest.bucket, key(manifest, name), text.encode())
    top = git.work_tree(project.root)
    if top is None:
        return False
    git.run(top, "add", "--", *[str((folder / n).resolve().relative_to(top)) for n in files])
    return True


@dataclass
class Fetched:
    name: str
    files: list[str] = field(default_factory=list)
    bytes: int = 0


def fetch(project: Project, name: str) -> Fetched:
    """Download the dataset's small files from the bucket into ``data/.octoup/<name>/``."""
    from octoup import registry
    from octoup.textfiles import write_atomic

    manifest = mf.load_dataset(project.root, name)
    storage = registry.for_project(project, manifest.cloud)
    folder = mf.folder(project.root, name)
    fetched = Fetched(name)
    prefix = key(manifest, "")
    for info in storage.list(manifest.bucket, prefix):
        relative = info.key[len(prefix):]
        if not relative or relative.startswith("/") or ".." in relative.split("/"):
            continue
        data = storage.read(manifest.bucket, info.key)
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        write_atomic(folder / relative, data.decode("utf-8"))
        fetched.files.append(relative)
        fetched.bytes += len(data)
    return fetched

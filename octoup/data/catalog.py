"""Removing a dataset from the project (and, when asked, its objects from the bucket)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from typing import TYPE_CHECKING

from octoup.data import manifest as mf

if TYPE_CHECKING:
    from octoup.config import Project


@dataclass
class Removed:
    name: str
    uri: str
    objects_deleted: int


def remove(project: Project, name: str, *, delete_objects: bool) -> Removed:
    """Forget ``name`` (its manifest folder and octoup.toml entry); delete its objects when asked.

    Objects go first, so an interrupted removal leaves a manifest to retry with, never objects
    that nothing records. The local copy in data/raw/<name>/ is left alone.
    """
    from octoup import registry
    from octoup.config import unset_value

    manifest = mf.load_dataset(project.root, name)
    deleted = 0
    if delete_objects:
        storage = registry.for_project(project, manifest.cloud)
        for info in list(storage.list(manifest.bucket, manifest.prefix)):
            storage.delete(manifest.bucket, info.key)
            deleted += 1
    if name in project.config.datasets:
        unset_value(project.root, f"datasets.{name}")
    shutil.rmtree(mf.folder(project.root, name))
    return Removed(name, manifest.uri, deleted)

"""Where git data lives: the project's cloud and bucket, objects under ``lfs/objects/``.

The store is the project's default cloud (``project.default_cloud``) and that cloud's bucket
(``clouds.<cloud>.bucket``, ``<project>-data`` when unset), so ``octoup.toml`` (shared) or
``octoup.local.toml`` (this clone) say where a clone reads and writes. Layout in the bucket::

    lfs/objects/<oid[0:2]>/<oid[2:4]>/<oid>     one object per file version (content-addressed)
    lfs/locks/<sha256 of path>/<claim>.json     lock claims (see :mod:`octoup.gitdata.locks`)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from octoup.errors import BucketNotFound, OctoupError

if TYPE_CHECKING:
    from octoup.config import Project
    from octoup.provider import StorageProvider

PREFIX = "lfs/"


class StoreMissing(OctoupError):
    """The bucket the project's git data lives in does not exist (deleted, renamed, other account)."""

    def __init__(self, uri: str):
        super().__init__(
            f"the project's git data store {uri} does not exist (the bucket is gone, renamed, or "
            "not visible with these credentials)",
            "If the data was copied elsewhere, point this clone at it: `octoup config set --local "
            "clouds.<cloud>.bucket NAME` (and `project.default_cloud`); to copy it from a clone that "
            "still reaches it: `octoup clone URL DIR --copy-data --cloud CLOUD`.")
        self.uri = uri


@dataclass(frozen=True)
class Store:
    cloud: str
    bucket: str
    storage: StorageProvider
    prefix: str = PREFIX

    @property
    def uri(self) -> str:
        return self.storage.uri(self.bucket, self.prefix)

    def key(self, oid: str) -> str:
        return f"{self.prefix}objects/{oid[0:2]}/{oid[2:4]}/{oid}"

    def locks_prefix(self) -> str:
        return f"{self.prefix}locks/"

    def check_exists(self) -> None:
        """Raise :class:`StoreMissing` when the bucket is gone (one listing request)."""
        try:
            next(iter(self.storage.list(self.bucket, self.key("00"))), None)
        except BucketNotFound:
            raise StoreMissing(self.uri) from None


def locate(project: Project, cloud: str | None = None, bucket: str | None = None) -> Store:
    """The project's store (or the one on ``cloud``/``bucket``), bucket name checked, nothing created."""
    from octoup import registry

    name = cloud or project.config.project.default_cloud
    storage = registry.for_project(project, name)
    chosen = bucket or storage.settings.bucket or f"{project.name}-data"
    storage.validate_bucket_name(chosen)
    return Store(name, chosen, storage)


def record(project: Project, store: Store, *, local: bool) -> list[str]:
    """Write the store's cloud and bucket into octoup.toml (or octoup.local.toml); the keys changed."""
    from octoup.config import set_value

    written = project.raw["local" if local else "main"]
    wanted = {"project.default_cloud": store.cloud, f"clouds.{store.cloud}.bucket": store.bucket}
    changed = []
    for key, value in wanted.items():
        node = written
        for part in key.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        if node != value:
            set_value(project.root, key, value, local=local)
            changed.append(key)
    return changed

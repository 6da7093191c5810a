"""What ``octoup data copy`` reads from: local files, dirs and globs, HTTP(S) URLs and bucket URIs.

Each source expands into :class:`Item` s: one per file, each with its path inside the dataset, its
size, an identity that says whether it changed since the last copy, and an opener. Bucket items
also carry where they are, so a copy inside one cloud can be done server-side.
"""

from __future__ import annotations

import glob
import os
import posixpath
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO
from urllib.parse import unquote, urlsplit

from octoup.data.archive import archive_kind
from octoup.errors import ObjectNotFound, OctoupError

if TYPE_CHECKING:
    from octoup.config import Project
    from octoup.provider import StorageProvider

SCHEMES = {"s3": "aws", "gs": "gcp", "gcs": "gcp", "az": "azure", "abfs": "azure", "local": "local"}


class UnknownSource(OctoupError):
    def __init__(self, source: str, why: str):
        super().__init__(f"cannot read {source}: {why}",
                         "Sources are local paths or globs, http(s):// URLs, and s3://, gs://, az:// or "
                         "local:// bucket URIs.")


@dataclass(frozen=True)
class BucketRef:
    """An object in a bucket this process can reach through a storage adapter."""

    cloud: str
    storage: StorageProvider = field(compare=False, repr=False)
    bucket: str
    key: str

    @property
    def uri(self) -> str:
        return self.storage.uri(self.bucket, self.key)


@dataclass(frozen=True)
class Item:
    path: str
    """Where the file goes inside the dataset (POSIX, relative)."""
    size: int | None
    source: str
    source_id: str
    open: Callable[[], BinaryIO] = field(compare=False, repr=False)
    read_at: Callable[[int, int], bytes] | None = field(default=None, compare=False, repr=False)
    """Ranged reads, for zip archives read without downloading them."""
    ref: BucketRef | None = None
    checksums: dict[str, str] = field(default_factory=dict, compare=False)

    @property
    def archive(self) -> str | None:
        return archive_kind(self.source)


def expand(source: str, project: Project) -> list[Item]:
    """Every file ``source`` names, in path order."""
    scheme = urlsplit(source).scheme.lower()
    if scheme in ("http", "https"):
        return _azure_https(source, project) or [_http(source)]
    if scheme in SCHEMES:
        return _bucket(source, SCHEMES[scheme], project)
    if len(scheme) > 1 and "://" in source:
        raise UnknownSource(source, f"'{scheme}://' is not a source octoup knows")
    return _local(source, project.root)


def _local(source: str, root: Path) -> list[Item]:
    path = Path(source).expanduser()
    if glob.has_magic(source):
        base = Path(*Path(source).parts[:_magic_at(source)])
        files = sorted(Path(p) for p in glob.glob(source, recursive=True) if Path(p).is_file())
        if not files:
            raise UnknownSource(source, "the pattern matches no file")
        return [_file(p, p.relative_to(base).as_posix(), root) for p in files]
    if path.is_file():
        return [_file(path, path.name, root)]
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and ".git" not in p.relative_to(path).parts)
        if not files:
            raise UnknownSource(source, "the folder holds no files")
        return [_file(p, p.relative_to(path).as_posix(), root) for p in files]
    raise UnknownSource(source, "no such file or folder")


def _magic_at(pattern: str) -> int:
    return next(i for i, part in enumerate(Path(pattern).parts) if glob.has_magic(part))


def local_identity(path: Path) -> str:
    """What says a local file is unchanged since it was copied: its size and modification time."""
    stat = path.stat()
    return f"size={stat.st_size};mtime_ns={stat.st_mtime_ns}"


def _file(path: Path, relative: str, root: Path) -> Item:
    """A local file; its source is shown relative to the project when inside it (the manifest is
    committed: no one's home folder in it, and the same on every clone)."""
    stat = path.stat()
    resolved = path.resolve()
    root = root.resolve()
    shown = resolved.relative_to(root).as_posix() if resolved.is_relative_to(root) else str(resolved)

    def read_at(start: int, length: int) -> bytes:
        with resolved.open("rb") as handle:
            handle.seek(start)
            return handle.read(length)

    return Item(relative, stat.st_size, shown, local_identity(path),
                lambda: resolved.open("rb"), read_at)


def _http(url: str) -> Item:
    from octoup.data import http

    obj = http.head(url)
    name = unquote(posixpath.basename(urlsplit(url).path)) or "index"
    return Item(name, obj.size, url, obj.identity, lambda: http.open_stream(obj),
                http.read_at(obj) if obj.accepts_ranges and obj.size is not None else None)


def _azure_https(url: str, project: Project) -> list[Item] | None:
    """``https://<account>.blob.core.windows.net/<container>/<key>`` through the Azure adapter,
    when that account is the project's; other accounts are read as plain HTTPS."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if not host.endswith(".blob.core.windows.net"):
        return None
    account = host.split(".")[0]
    configured = (project.config.clouds.get("azure", {}).get("account")
                  or os.environ.get("AZURE_STORAGE_ACCOUNT"))
    if account != configured:
        return None
    return _bucket(f"az://{parts.path.lstrip('/')}", "azure", project)


def _bucket(uri: str, cloud: str, project: Project) -> list[Item]:
    from octoup import registry

    parts = urlsplit(uri)
    bucket, key = parts.netloc, unquote(parts.path.lstrip("/"))
    if not bucket:
        raise UnknownSource(uri, "no bucket in the URI")
    storage = registry.for_project(project, cloud)
    if key and not key.endswith("/"):
        try:
            info = storage.stat(bucket, key)
        except ObjectNotFound:
            info = None
        if info is not None:
            return [_object(storage, cloud, bucket, info, posixpath.basename(key))]
        key += "/"
    found = [_object(storage, cloud, bucket, info, info.key[len(key):])
             for info in storage.list(bucket, key) if not info.key.endswith("/")]
    if not found:
        raise UnknownSource(uri, "no object at that key or under that prefix")
    return found


def _object(storage: StorageProvider, cloud: str, bucket: str, info, path: str) -> Item:
    ref = BucketRef(cloud, storage, bucket, info.key)
    identity = f"etag={info.etag};size={info.size}" if info.etag else f"size={info.size}"
    return Item(path, info.size, ref.uri, identity,
                lambda: storage.open(bucket, info.key),
                lambda start, length: storage.read(bucket, info.key, start, length),
                ref, dict(info.checksums))

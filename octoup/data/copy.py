"""``octoup data copy``: sources → (archives unpacked in flight) → the dataset's bucket, resumably.

Every file is a job: skipped when the manifest and one bucket listing say it is there already,
copied server-side when it already lives in the same cloud, streamed part by part through memory
otherwise (never through local disk). Archive members become objects as the archive streams by.
A file enters the manifest only once its object is written and verified; the manifest is saved
every few seconds and on the way out, even on Ctrl-C, so a rerun redoes only unfinished work.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from octoup.data import manifest as mf
from octoup.data.sources import Item, expand
from octoup.data.verify import VerifyingReader, drain
from octoup.errors import ChecksumMismatch, OctoupError
from octoup.provider import Capability, ObjectInfo, StorageProvider
from octoup.storage.transfer import raise_first_failure

if TYPE_CHECKING:
    from octoup.config import Project

SMALL_MEMBER = 8 * 2**20
SAVE_EVERY = 2.0


class Reporter:
    """Progress sink; the CLI's subclass draws bars. Methods are called from many threads."""

    def add_total(self, nbytes: int, files: int) -> None: ...

    def advance(self, nbytes: int) -> None: ...

    def file_done(self, path: str, *, copied: bool) -> None: ...

    def note(self, message: str) -> None: ...


@dataclass(frozen=True)
class CopyOptions:
    name: str
    sources: list[str]
    cloud: str | None = None
    bucket: str | None = None
    unpack: bool = True


@dataclass
class CopySummary:
    name: str
    uri: str
    bucket_created: bool
    files: int = 0
    copied: int = 0
    skipped: int = 0
    server_side: int = 0
    bytes_copied: int = 0
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)


class DuplicatePath(OctoupError):
    def __init__(self, path: str, first: str, second: str):
        super().__init__(f"two sources give the dataset the same file {path}: {first} and {second}",
                         "Copy them into separate datasets (--name), or rename one of them.")


def locate(project: Project, options: CopyOptions) -> mf.Manifest:
    """The dataset's manifest: the existing one, or a new one on the chosen cloud and bucket."""
    mf.check_name(options.name)
    path = mf.manifest_path(project.root, options.name)
    if path.is_file():
        manifest = mf.Manifest.load(path, str(path.relative_to(project.root)))
        moved = [(flag, value) for flag, value, have in
                 (("--cloud", options.cloud, manifest.cloud), ("--bucket", options.bucket, manifest.bucket))
                 if value and value != have]
        if moved:
            flag, value = moved[0]
            raise OctoupError(f"dataset '{options.name}' lives in {manifest.uri}, not {flag} {value}",
                              f"Leave out {flag} to add to it, or copy into a new dataset with --name.")
        return manifest
    from octoup import registry

    cloud = options.cloud or project.config.project.default_cloud
    storage = registry.for_project(project, cloud)
    bucket = options.bucket or storage.settings.bucket or f"{project.name}-data"
    storage.validate_bucket_name(bucket)
    prefix = f"{options.name}/"
    return mf.Manifest(name=options.name, cloud=cloud, bucket=bucket, prefix=prefix,
                       uri=storage.uri(bucket, prefix))


def copy_dataset(project: Project, options: CopyOptions, reporter: Reporter | None = None) -> CopySummary:
    from octoup import registry

    reporter = reporter or Reporter()
    began = time.monotonic()
    manifest = locate(project, options)
    storage = registry.for_project(project, manifest.cloud)
    items = _items(options.sources, project)
    bucket = storage.ensure_bucket(manifest.bucket)
    _remember(project, manifest, options, storage)
    summary = CopySummary(options.name, manifest.uri, bucket.created)
    manifest.sources = sorted({*manifest.sources, *options.sources})
    run = _Run(project.root, storage, manifest, reporter, summary)
    existing = {info.key: info for info in storage.list(manifest.bucket, manifest.prefix)}
    try:
        run.execute(items, existing, unpack=options.unpack)
    finally:
        run.save()
        summary.seconds = time.monotonic() - began
    return summary


def _items(sources: list[str], project: Project) -> list[Item]:
    seen: dict[str, Item] = {}
    for source in sources:
        for item in expand(source, project):
            if item.path in seen:
                raise DuplicatePath(item.path, seen[item.path].source, item.source)
            seen[item.path] = item
    return list(seen.values())


def _remember(project: Project, manifest: mf.Manifest, options: CopyOptions,
              storage: StorageProvider) -> None:
    """Record the bucket (when the cloud has none yet) and the dataset in octoup.toml."""
    from octoup.config import set_value

    if not storage.settings.bucket:
        set_value(project.root, f"clouds.{manifest.cloud}.bucket", manifest.bucket)
    dataset = project.config.datasets.get(options.name)
    sources = sorted({*(dataset.source if dataset else []), *options.sources})
    wanted = {"source": sources, "cloud": manifest.cloud, "bucket": manifest.bucket,
              "prefix": manifest.prefix}
    if dataset is None or dataset.model_dump(exclude_none=True) != wanted:
        set_value(project.root, f"datasets.{options.name}", wanted)


class _Run:
    """One copy in progress: the jobs, the manifest they fill in, and when it is saved."""

    def __init__(self, root: Path, storage: StorageProvider, manifest: mf.Manifest, reporter: Reporter,
                 summary: CopySummary):
        from octoup.data.versions import Keeper

        self.storage, self.manifest = storage, manifest
        self.path = mf.manifest_path(root, manifest.name)
        self.keeper = Keeper(root, storage, manifest)
        self.reporter, self.summary = reporter, summary
        self.config = storage.transfer_config()
        self.lock = threading.Lock()
        self.claimed: dict[str, str] = {}
        self.saved_at = time.monotonic()

    def save(self) -> None:
        with self.lock:
            self.manifest.save(self.path)
            self.saved_at = time.monotonic()

    # -- bookkeeping ---------------------------------------------------------------------------

    def done(self, path: str, entry: mf.FileEntry | None, *, server_side: bool = False) -> None:
        """A file finished: recorded when copied (``entry``), counted either way."""
        if entry is not None:
            self.manifest.record(path, entry)
        with self.lock:
            self.summary.files += 1
            if entry is None:
                self.summary.skipped += 1
            else:
                self.summary.copied += 1
                self.summary.server_side += server_side
                self.summary.bytes_copied += entry.size
            due = time.monotonic() - self.saved_at > SAVE_EVERY
        self.reporter.file_done(path, copied=entry is not None)
        if due:
            self.save()

    def claim(self, path: str, source: str) -> None:
        """Two sources (or archive members) must not write the same file of the dataset."""
        first = self.claimed.setdefault(path, source)
        if first != source:
            raise DuplicatePath(path, first, source)

    def unchanged(self, path: str, source: str, source_id: str, existing: dict[str, ObjectInfo]) -> bool:
        entry = self.manifest.files.get(path)
        info = existing.get(self.manifest.key(path))
        return (entry is not None and info is not None and entry.source == source
                and entry.source_id == source_id and info.size == entry.size)

    # -- jobs ----------------------------------------------------------------------------------

    def execute(self, items: list[Item], existing: dict[str, ObjectInfo], *, unpack: bool) -> None:
        plain = [i for i in items if not (unpack and i.archive)]
        for item in plain:
            self.claim(item.path, item.source)
        todo = []
        for item in plain:
            if self.unchanged(item.path, item.source, item.source_id, existing):
                self.done(item.path, None)
            else:
                todo.append(item)
        self.reporter.add_total(sum(i.size or 0 for i in todo), len(todo))
        small = [i for i in todo if (i.size or 0) <= self.config.multipart_threshold]
        large = [i for i in todo if (i.size or 0) > self.config.multipart_threshold]
        with ThreadPoolExecutor(self.config.concurrency, thread_name_prefix="octoup-copy") as pool:
            futures = [pool.submit(self.copy_item, item) for item in small]
            try:
                for item in large:  # one at a time: each is already split into parallel parts
                    self.copy_item(item)
                for item in items:
                    if unpack and item.archive:
                        self.unpack(item, existing, pool, futures)
                _wait_all(futures)
            except BaseException:
                for future in futures:
                    future.cancel()
                raise

    def copy_item(self, item: Item) -> None:
        key = self.manifest.key(item.path)
        ref = item.ref
        if (ref is not None and ref.cloud == self.manifest.cloud
                and Capability.SERVER_SIDE_COPY in self.storage.capabilities):
            self.keeper.protect(item.path)
            info = self.storage.copy(ref.bucket, ref.key, self.manifest.bucket, key)
            _same_checksums(item, info, self.storage.uri(self.manifest.bucket, key))
            if item.size:
                self.reporter.advance(item.size)
            entry = mf.FileEntry(info.size, item.checksums.get("sha256"), dict(info.checksums), item.source,
                                 item.source_id, info.version_id)
            self.done(item.path, entry, server_side=True)
            return
        with item.open() as raw:
            self.upload(item.path, VerifyingReader(raw, item.source, size=item.size,
                                                   checksums=item.checksums),
                        item.size, item.source, item.source_id)

    def upload(self, path: str, stream: BinaryIO, size: int | None, source: str, source_id: str) -> None:
        key = self.manifest.key(path)
        self.keeper.protect(path)
        result = self.storage.upload_stream(self.manifest.bucket, key, stream, size=size,
                                            progress=self.reporter.advance)
        if size is not None and result.size != size:
            self.storage.delete(self.manifest.bucket, key)
            raise ChecksumMismatch(source, "size", str(size), str(result.size))
        self.done(path, mf.FileEntry(result.size, result.sha256, dict(result.info.checksums), source,
                                     source_id, result.info.version_id))

    def unpack(self, item: Item, existing: dict[str, ObjectInfo], pool: ThreadPoolExecutor,
               futures: list[Future]) -> None:
        from octoup.data import archive

        skipped: list[str] = []
        kind = item.archive
        if kind == "zip":
            members = archive.iter_zip(_seekable(item), archive=item.source, compressed_size=item.size,
                                       skipped=skipped)
            for member, opener in members:
                source, source_id = f"{item.source}!{member.name}", f"{item.source_id};size={member.size}"
                self.claim(member.name, source)
                if self.unchanged(member.name, source, source_id, existing):
                    self.done(member.name, None)
                    continue
                self.reporter.add_total(member.size, 1)
                futures.append(pool.submit(self._member_from, opener, member, source, source_id))
        else:
            slots = threading.BoundedSemaphore(self.config.concurrency * 2)
            with item.open() as raw:
                for member, reader in archive.iter_tar(raw, kind, archive=item.source,
                                                       compressed_size=item.size, skipped=skipped):
                    source, source_id = f"{item.source}!{member.name}", f"{item.source_id};size={member.size}"
                    self.claim(member.name, source)
                    if self.unchanged(member.name, source, source_id, existing):
                        drain(reader)
                        self.done(member.name, None)
                        continue
                    self.reporter.add_total(member.size, 1)
                    if member.size > SMALL_MEMBER:
                        self.upload(member.name, reader, member.size, source, source_id)
                        continue
                    data = reader.read()
                    slots.acquire()
                    raise_first_failure(futures)
                    futures.append(pool.submit(self._member_bytes, data, member, source, source_id, slots))
        for link in skipped:
            self.reporter.note(f"{item.source}: skipped {link}")
            self.summary.warnings.append(f"{item.source}: skipped {link}")

    def _member_from(self, opener: Callable[[], BinaryIO], member, source: str, source_id: str) -> None:
        with opener() as reader:
            self.upload(member.name, reader, member.size, source, source_id)

    def _member_bytes(self, data: bytes, member, source: str, source_id: str,
                      slots: threading.BoundedSemaphore) -> None:
        import io

        try:
            self.upload(member.name, io.BytesIO(data), member.size, source, source_id)
        finally:
            slots.release()


def _seekable(item: Item) -> BinaryIO:
    from octoup.data.ranges import RangeFile

    if item.read_at is None or item.size is None:
        raise OctoupError(f"{item.source}: a zip archive needs random access, and this source gives none",
                          "Serve it from a server that answers range requests, or pass --no-unpack.")
    return RangeFile(item.read_at, item.size)


def _same_checksums(item: Item, info: ObjectInfo, uri: str) -> None:
    for algorithm, value in item.checksums.items():
        copied = info.checksums.get(algorithm)
        if copied is not None and copied != value:
            raise ChecksumMismatch(uri, algorithm, value, copied)


def _wait_all(futures: list[Future]) -> None:
    wait(futures, return_when=FIRST_EXCEPTION)
    raise_first_failure(futures)
    wait(futures)

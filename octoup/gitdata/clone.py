"""``octoup clone``: clone a repository without its data, wire up the agent, optionally copy every
object the history references into a new bucket on the user's cloud, then check out the data.

Objects are content-addressed, so a copy is safe to rerun: what is already in the target is
skipped. Within one cloud the copy is server-side; across clouds each object is streamed from
the source into the target in parts (never through local disk) and verified against its oid.
"""

from __future__ import annotations

import os
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from octoup import git
from octoup.errors import BucketNotFound, ObjectNotFound, OctoupError
from octoup.gitdata import history, repo
from octoup.gitdata.store import Store, StoreMissing

if TYPE_CHECKING:
    from octoup.config import Project
    from octoup.data.copy import Reporter


@dataclass
class CopyResult:
    source: str
    target: str
    objects: int = 0
    copied: int = 0
    skipped: int = 0
    server_side: int = 0
    bytes_copied: int = 0
    missing: list[str] = field(default_factory=list)
    seconds: float = 0.0
    bucket_created: bool = False


@dataclass(frozen=True)
class CloneOptions:
    url: str
    folder: Path
    copy_data: bool = False
    cloud: str | None = None
    bucket: str | None = None
    project_store: bool = False
    revs: tuple[str, ...] = ()
    include: tuple[str, ...] = ()
    data: bool = True


def git_clone(url: str, folder: Path) -> None:
    """``git clone`` with smudging off: the data comes later, from the bucket octoup is told to use."""
    if folder.exists() and any(folder.iterdir()):
        raise OctoupError(f"{folder} already exists and is not empty", "Pick another folder.")
    if not repo.lfs_available():
        raise repo.LfsMissing()
    env = {**os.environ, "GIT_LFS_SKIP_SMUDGE": "1"}
    result = subprocess.run(["git", "clone", "--quiet", url, str(folder)], capture_output=True, text=True,
                            env=env)
    if result.returncode != 0:
        raise git.GitError(["clone", url, str(folder)], result.stderr)


def new_bucket_name(project: Project) -> str:
    return f"{project.name}-data-{uuid.uuid4().hex[:6]}"[:63]


def copy_objects(root: Path, source: Store, target: Store, revs: list[str],
                 reporter: Reporter) -> CopyResult:
    """Copy every object ``revs`` reference from ``source`` to ``target`` (created when missing)."""
    from octoup.storage.transfer import by_size

    began = time.monotonic()
    result = CopyResult(source.uri, target.uri)
    wanted = history.referenced(root, revs)
    result.objects = len(wanted)
    try:
        have_source = {info.key for info in source.storage.list(source.bucket, f"{source.prefix}objects/")}
    except BucketNotFound:
        raise StoreMissing(source.uri) from None
    result.bucket_created = target.storage.ensure_bucket(target.bucket).created
    have = {info.key: info.size for info in target.storage.list(target.bucket, f"{target.prefix}objects/")}
    todo = []
    for oid, size in sorted(wanted.items()):
        if have.get(target.key(oid)) == size:
            result.skipped += 1
        elif source.key(oid) not in have_source:
            result.missing.append(oid)
        else:
            todo.append((oid, size))
    reporter.add_total(sum(size for _, size in todo), len(todo))
    server_side = source.cloud == target.cloud

    def one(item: tuple[str, int]) -> None:
        oid, size = item
        if server_side:
            target.storage.copy(source.bucket, source.key(oid), target.bucket, target.key(oid))
            reporter.advance(size)
        else:
            try:
                with source.storage.open(source.bucket, source.key(oid)) as stream:
                    target.storage.upload_stream(target.bucket, target.key(oid), stream, size=size,
                                                 expected_sha256=oid, progress=reporter.advance)
            except ObjectNotFound:
                result.missing.append(oid)
                return
        reporter.file_done(oid, copied=True)

    by_size(todo, lambda item: item[1], one, config=target.storage.transfer_config(), name="octoup-clone")
    result.copied = len(todo) - len([oid for oid, _ in todo if oid in set(result.missing)])
    result.server_side = result.copied if server_side else 0
    result.bytes_copied = sum(size for oid, size in todo if oid not in set(result.missing))
    result.seconds = time.monotonic() - began
    return result


def checkout_data(root: Path, include: tuple[str, ...] = ()) -> None:
    """``git lfs pull`` (only ``include`` patterns when given): fetch through the agent and check out."""
    args = ["lfs", "pull"] + (["--include", ",".join(include)] if include else [])
    result = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True)
    if result.returncode != 0:
        raise OctoupError(f"`git {' '.join(args)}` failed in {root}:\n{result.stderr.strip()}",
                          f"Fix what it says, then run `git lfs pull` in {root}; the code is already cloned.")


@dataclass
class CloneSummary:
    folder: Path
    configured: list[str]
    project: str | None = None
    store: str | None = None
    copy: CopyResult | None = None
    recorded: list[str] = field(default_factory=list)
    data_checked_out: bool = False


def clone(options: CloneOptions, reporter: Reporter, announce=print) -> CloneSummary:
    """Clone, configure, copy the data when asked, record the new store, check the data out."""
    from octoup import config
    from octoup.gitdata.store import locate, record
    from octoup.project_root import CONFIG_FILE

    folder = options.folder.resolve()
    git_clone(options.url, folder)
    summary = CloneSummary(folder, repo.configure(folder))
    if not (folder / CONFIG_FILE).is_file():
        announce(f"{folder.name} has no {CONFIG_FILE}: cloned the code only (no octoup data store to read).")
        return summary
    project = config.load(folder)
    summary.project = project.name
    source = locate(project)
    store = source
    if options.copy_data:
        target = locate(project, options.cloud, options.bucket or new_bucket_name(project))
        if (target.cloud, target.bucket) == (source.cloud, source.bucket):
            raise OctoupError(f"{target.uri} is the project's store already: nothing to copy",
                              "Pick another bucket with --bucket, or clone without --copy-data.")
        announce(f"Copying the data from {source.uri} to {target.uri} ...")
        try:
            summary.copy = copy_objects(folder, source, target, list(options.revs) or ["--all"], reporter)
        except StoreMissing as exc:
            raise _gone(folder, source, exc) from None
        summary.recorded = record(config.load(folder), target, local=True)
        if options.project_store:
            shared = record(config.load(folder), target, local=False)
            summary.recorded += [f"{key} (octoup.toml)" for key in shared]
        store = target
    summary.store = store.uri
    if options.data:
        try:
            store.check_exists()
        except StoreMissing as exc:
            raise _gone(folder, store, exc) from None
        checkout_data(folder, options.include)
        summary.data_checked_out = True
    return summary


def _gone(folder: Path, store: Store, exc: StoreMissing) -> OctoupError:
    """The code is cloned but the data store is gone: say so, and how to point the clone elsewhere."""
    return OctoupError(
        f"cloned the code into {folder}, but {exc.message}",
        "Point this clone at a store that has the data: "
        f"`cd {folder} && octoup config set --local clouds.{store.cloud}.bucket NAME && octoup init "
        "&& git lfs pull` (or ask the project for the store it moved to).")

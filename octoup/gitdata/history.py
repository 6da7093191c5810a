"""Data files in git history: which version a commit points at, every version of a file, and
every object a set of revisions references."""

from __future__ import annotations

import hashlib
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from octoup import git
from octoup.errors import OctoupError
from octoup.gitdata.pointer import MAX_POINTER, Pointer, parse

if TYPE_CHECKING:
    from octoup.gitdata.store import Store
    from octoup.provider import Progress


@dataclass(frozen=True)
class Version:
    commit: str
    date: str
    author: str
    subject: str
    oid: str | None
    """None when the commit deleted the file, or stored it in git itself (not a pointer)."""
    size: int | None


def repo_path(root: Path, path: str) -> str:
    """``path`` (relative to cwd, or absolute) as a path inside the repository at ``root``."""
    full = (Path.cwd() / path).resolve() if not Path(path).is_absolute() else Path(path).resolve()
    try:
        return full.relative_to(root.resolve()).as_posix()
    except ValueError:
        raise OctoupError(f"{path} is outside the repository {root}",
                          "Give a path inside the repository's work tree.") from None


def _batch(root: Path, specs: list[str]) -> list[bytes | None]:
    """``git cat-file --batch`` for each spec: the object's bytes, or None when it does not exist."""
    if not specs:
        return []
    result = subprocess.run(["git", "cat-file", "--batch"], cwd=root, capture_output=True,
                            input=("\n".join(specs) + "\n").encode())
    if result.returncode != 0:
        raise git.GitError(["cat-file", "--batch"], result.stderr.decode(errors="replace"))
    out, pos, found = result.stdout, 0, []
    for _ in specs:
        end = out.index(b"\n", pos)
        header = out[pos:end].split()
        pos = end + 1
        if header[-1] == b"missing" or len(header) < 3:
            found.append(None)
            continue
        size = int(header[2])
        found.append(out[pos:pos + size])
        pos += size + 1
    return found


def versions(root: Path, path: str) -> list[Version]:
    """Every commit (newest first, all branches' history reachable from HEAD) that changed ``path``."""
    out = git.run(root, "log", "--format=%H%x1f%aI%x1f%an%x1f%s", "--", path)
    rows = [line.split("\x1f", 3) for line in out.splitlines() if line]
    if not rows:
        raise OctoupError(f"{path} has no history in this branch",
                          "Check the path (relative to where you are), or `git log --all -- PATH`.")
    blobs = _batch(root, [f"{commit}:{path}" for commit, *_ in rows])
    found = []
    for (commit, date, author, subject), blob in zip(rows, blobs, strict=True):
        pointer = parse(blob) if blob is not None else None
        found.append(Version(commit, date, author, subject, pointer.oid if pointer else None,
                             pointer.size if pointer else (len(blob) if blob is not None else None)))
    return found


def pointer_at(root: Path, rev: str, path: str) -> Pointer:
    """The git-lfs pointer ``path`` has at revision ``rev``."""
    [blob] = _batch(root, [f"{rev}:{path}"])
    if blob is None:
        raise OctoupError(f"{path} does not exist at {rev}",
                          f"See its versions with `octoup data log {path}`.")
    pointer = parse(blob)
    if pointer is None:
        raise OctoupError(f"{path} at {rev} is stored in git itself, not as git data",
                          f"Read it with `git show {rev}:{path}`.")
    return pointer


def referenced(root: Path, revs: list[str]) -> dict[str, int]:
    """oid → size of every git-lfs object the history of ``revs`` points at."""
    listed = git.run(root, "rev-list", "--objects", *revs, "--")
    shas = [line.split(" ", 1)[0] for line in listed.splitlines() if line]
    if not shas:
        return {}
    checked = subprocess.run(["git", "cat-file", "--batch-check=%(objectname) %(objecttype) %(objectsize)"],
                             cwd=root, capture_output=True, text=True, input="\n".join(shas) + "\n",
                             check=True)
    small = [sha for sha, kind, size in (line.split() for line in checked.stdout.splitlines())
             if kind == "blob" and int(size) <= MAX_POINTER]
    found: dict[str, int] = {}
    for blob in _batch(root, small):
        pointer = parse(blob) if blob is not None else None
        if pointer:
            found[pointer.oid] = pointer.size
    return found


def cached(root: Path, oid: str) -> Path | None:
    """The object in git-lfs's local cache, when this clone has it."""
    common = Path(git.run(root, "rev-parse", "--git-common-dir").strip())
    path = (common if common.is_absolute() else root / common) / "lfs" / "objects" / oid[0:2] / oid[2:4] / oid
    return path if path.is_file() else None


def fetch_version(root: Path, store: Store, pointer: Pointer, target: Path,
                  progress: Progress | None = None) -> bool:
    """Write the object ``pointer`` names to ``target`` atomically, verified; whether it was downloaded
    (False: copied from the local git-lfs cache)."""
    from octoup.errors import BucketNotFound, ChecksumMismatch, ObjectNotFound
    from octoup.gitdata.agent import MissingObject
    from octoup.storage.transfer import COPY_CHUNK

    local = cached(root, pointer.oid)
    if local is None:
        try:
            store.storage.download_file(store.bucket, store.key(pointer.oid), target,
                                        expected_sha256=pointer.oid, progress=progress)
        except (ObjectNotFound, BucketNotFound):
            store.check_exists()
            raise MissingObject(pointer.oid, store.uri) from None
        return True
    tmp = target.with_name(f".{target.name}.octoup-{os.getpid()}")
    sha = hashlib.sha256()
    try:
        with local.open("rb") as src, tmp.open("wb") as out:
            while chunk := src.read(COPY_CHUNK):
                sha.update(chunk)
                out.write(chunk)
                if progress:
                    progress(len(chunk))
        if sha.hexdigest() != pointer.oid:
            raise ChecksumMismatch(str(local), "sha256", pointer.oid, sha.hexdigest())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return False

"""Locks on data files, kept as small objects beside the data (there is no LFS server to ask).

Taking a lock writes a claim ``lfs/locks/<sha256 of path>/<time>-<nonce>.json`` and then lists
that folder: the claim wins only when it is alone. Every store octoup supports lists what was
written before (S3, GCS, Azure Blob and the local store are strongly consistent), so of two
people claiming at once at least one sees the other: two never both win. Among racing claims the
oldest stays and waits (up to ``WAIT`` seconds) for the others, which step back as soon as they
see an older claim, so one of them wins instead of all retreating. A claim still not alone after
the wait (a lock was taken in between) steps back too.
"""

from __future__ import annotations

import contextlib
import getpass
import hashlib
import json
import socket
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from octoup.errors import ObjectNotFound, OctoupError

if TYPE_CHECKING:
    from pathlib import Path

    from octoup.gitdata.store import Store

WAIT = 3.0
"""How long the oldest of racing claims waits for the younger ones to step back (seconds)."""


@dataclass(frozen=True)
class Lock:
    path: str
    owner: str
    created: str
    key: str

    @property
    def id(self) -> str:
        return self.key.rsplit("/", 1)[-1].removesuffix(".json")


class Locked(OctoupError):
    def __init__(self, lock: Lock):
        super().__init__(f"{lock.path} is locked by {lock.owner} (since {lock.created})",
                         f"Ask {lock.owner} to push and run `octoup data unlock {lock.path}`; if the lock "
                         f"is stale, `octoup data unlock {lock.path} --force` breaks it.")
        self.lock = lock


def identity(root: Path) -> str:
    """Who this clone acts as: git's user.email (else user.name, else login@host)."""
    import subprocess

    for key in ("user.email", "user.name"):
        result = subprocess.run(["git", "config", "--get", key], cwd=root, capture_output=True, text=True)
        if result.returncode == 0 and result.stdout.strip():
            return result.stdout.strip()
    return f"{getpass.getuser()}@{socket.gethostname()}"


def _folder(store: Store, path: str) -> str:
    return f"{store.locks_prefix()}{hashlib.sha256(path.encode()).hexdigest()}/"


def _read(store: Store, key: str) -> Lock | None:
    try:
        data = json.loads(store.storage.read(store.bucket, key))
    except ObjectNotFound:
        return None  # released between the listing and the read
    return Lock(data["path"], data["owner"], data["created"], key)


def _claims(store: Store, path: str) -> list[Lock]:
    keys = sorted(info.key for info in store.storage.list(store.bucket, _folder(store, path)))
    return [lock for key in keys if (lock := _read(store, key)) is not None]


def lock(store: Store, path: str, owner: str) -> tuple[Lock, bool]:
    """Lock ``path`` for ``owner``: (the lock, whether it is new). Raises :class:`Locked`."""
    now = datetime.now(UTC)
    key = f"{_folder(store, path)}{time.time_ns():020d}-{uuid.uuid4().hex[:8]}.json"
    record = {"path": path, "owner": owner, "created": now.isoformat(timespec="seconds")}
    store.storage.put(store.bucket, key, json.dumps(record).encode())
    deadline = time.monotonic() + WAIT
    while True:
        claims = _claims(store, path)
        others = [c for c in claims if c.key != key]
        if not others:
            return Lock(path, owner, record["created"], key), True
        if claims[0].key == key and time.monotonic() < deadline:
            time.sleep(0.05)  # the oldest claim: the younger ones are stepping back
            continue
        _withdraw(store, key)
        if all(c.owner == owner for c in others):
            return others[0], False
        raise Locked(_holder(store, path, deadline) or others[0])


def _holder(store: Store, path: str, deadline: float) -> Lock | None:
    """The claim left once racing claims have stepped back (waits until ``deadline`` at most)."""
    while True:
        claims = _claims(store, path)
        if len(claims) <= 1 or time.monotonic() >= deadline:
            return claims[0] if claims else None
        time.sleep(0.05)


def _withdraw(store: Store, key: str) -> None:
    with contextlib.suppress(ObjectNotFound):  # already removed (an `unlock --force` of everything)
        store.storage.delete(store.bucket, key)


def unlock(store: Store, path: str, owner: str, *, force: bool = False) -> Lock:
    """Release ``path``'s lock (someone else's only with ``force``); the lock released."""
    claims = _claims(store, path)
    if not claims:
        raise OctoupError(f"{path} is not locked", "See the locks with `octoup data locks`.")
    if claims[0].owner != owner and not force:
        raise OctoupError(f"{path} is locked by {claims[0].owner}, not by you ({owner})",
                          f"Only they should unlock it; `octoup data unlock {path} --force` breaks a "
                          "stale lock.")
    for claim in claims:
        store.storage.delete(store.bucket, claim.key)
    return claims[0]


def list_locks(store: Store) -> list[Lock]:
    """Every lock in the store (the oldest claim of each path), by path."""
    from concurrent.futures import ThreadPoolExecutor

    keys = sorted(info.key for info in store.storage.list(store.bucket, store.locks_prefix()))
    with ThreadPoolExecutor(max_workers=8) as pool:
        claims = [c for c in pool.map(lambda k: _read(store, k), keys) if c is not None]
    first: dict[str, Lock] = {}
    for claim in claims:
        first.setdefault(claim.path, claim)
    return sorted(first.values(), key=lambda c: c.path)

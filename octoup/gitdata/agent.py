"""``octoup-lfs``: the git-lfs standalone custom transfer agent that keeps objects in the project's bucket.

git-lfs starts it (several at once when ``concurrent`` is set) and talks line-delimited JSON on
stdin/stdout: one ``init``, then ``upload``/``download`` requests answered by ``progress`` events
and one ``complete`` each (with an ``error`` when it failed), then ``terminate``. Uploads are
skipped when the object is already there; downloads are verified against the oid (the object's
SHA-256) and written to git-lfs's temporary folder, which git-lfs moves into its cache, so a bad
download never reaches the working tree. Errors carry octoup's message and hint, which git prints.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from octoup.errors import BucketNotFound, ObjectNotFound, OctoupError

if TYPE_CHECKING:
    from octoup.gitdata.store import Store

PROGRESS_EVERY = 0.2
"""Seconds between progress events for one object (the last one is always sent)."""


class NotConfigured(OctoupError):
    def __init__(self, where: Path):
        super().__init__(f"no octoup.toml at or above {where}: octoup-lfs does not know the project's bucket",
                         "Run `octoup init` in the repository (or `octoup data track` in a new one).")


class MissingObject(OctoupError):
    def __init__(self, oid: str, uri: str):
        super().__init__(f"object {oid[:12]}… is not in {uri}: it was committed but never pushed there",
                         "Push it from a clone that has the file (`git lfs push --all origin`), or check "
                         "that this clone uses the project's bucket (`octoup config show`).")


def describe(exc: BaseException) -> str:
    """One readable line for git to print: octoup's message and hint, secrets masked."""
    from octoup.secrets import redact

    if isinstance(exc, OctoupError):
        text = exc.message + (f" (hint: {exc.hint})" if exc.hint else "")
    else:
        text = f"{type(exc).__name__}: {exc}"
    return redact(text.replace("\n", " "))


class Channel:
    """Where one git-lfs worker's answers go: its stdout, or the socket of a worker sharing this agent."""

    def __init__(self, out: TextIO):
        self.out, self.lock = out, threading.Lock()

    def send(self, message: dict[str, Any]) -> None:
        with self.lock:
            self.out.write(json.dumps(message) + "\n")
            self.out.flush()


class Agent:
    """The protocol around a :class:`Store`, loaded once at the first ``init`` and then shared by every
    worker this process serves (its own stdin, and others through :mod:`octoup.gitdata.share`)."""

    def __init__(self, cwd: Path | None = None):
        self.cwd = cwd or Path.cwd()
        self.lock = threading.Lock()
        self.ready = False
        self.store: Store | None = None
        self.failure: str | None = None
        self.tmp: Path | None = None

    def serve(self, lines, channel: Channel) -> None:
        """Answer ``lines`` (one worker's requests) on ``channel`` until ``terminate`` or the end."""
        for line in lines:
            if not line.strip():
                continue
            request = json.loads(line)
            event = request.get("event")
            if event == "init":
                channel.send(self.init(request))
            elif event in ("upload", "download"):
                channel.send(self.transfer(request, channel))
            elif event == "terminate":
                return

    def init(self, request: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            if not self.ready:
                self._load(request.get("operation"))
                self.ready = True
        return {"error": {"code": 2, "message": self.failure}} if self.failure else {}

    def _load(self, operation: str | None) -> None:
        try:
            self.store = open_store(self.cwd)
            status = self.store.storage.check_credentials()
            if not status.ok:
                from octoup.errors import CredentialsError

                raise CredentialsError(f"no {self.store.cloud} credentials for {self.store.uri}: "
                                       f"{status.source}", status.hint)
            if operation == "download":
                self.tmp = lfs_tmp(self.cwd)
        except Exception as exc:  # every failure must reach git as an error event
            self.store, self.failure = None, describe(exc)

    def transfer(self, request: dict[str, Any], channel: Channel) -> dict[str, Any]:
        oid = request["oid"]
        done: dict[str, Any] = {"event": "complete", "oid": oid}
        if self.store is None:
            done["error"] = {"code": 2, "message": self.failure or "octoup-lfs was not initialised"}
            return done
        progress = ProgressEvents(channel, oid)
        try:
            if request["event"] == "upload":
                upload(self.store, oid, int(request["size"]), Path(request["path"]), progress)
            else:
                done["path"] = str(download(self.store, oid, int(request.get("size") or 0),
                                            self.tmp or lfs_tmp(self.cwd), progress))
        except Exception as exc:
            done["error"] = {"code": 2, "message": describe(exc)}
        progress.flush()
        return done


class ProgressEvents:
    """Turns transfer callbacks (from many threads) into throttled git-lfs progress events."""

    def __init__(self, channel: Channel, oid: str):
        self.channel, self.oid = channel, oid
        self.lock = threading.Lock()
        self.so_far = self.sent = 0
        self.last = time.monotonic()

    def __call__(self, nbytes: int) -> None:
        with self.lock:
            self.so_far += nbytes
            if time.monotonic() - self.last >= PROGRESS_EVERY:
                self._emit()

    def flush(self) -> None:
        with self.lock:
            if self.so_far > self.sent:
                self._emit()

    def _emit(self) -> None:
        self.channel.send({"event": "progress", "oid": self.oid, "bytesSoFar": self.so_far,
                           "bytesSinceLast": self.so_far - self.sent})
        self.sent, self.last = self.so_far, time.monotonic()


def open_store(cwd: Path) -> Store:
    """The project's store: octoup.toml at or above ``cwd``, else the one committed at HEAD (a clone
    made with ``--no-checkout`` has none in its work tree while git-lfs fills it)."""
    from octoup import config
    from octoup.gitdata.store import locate
    from octoup.project_root import find_root

    root = find_root(cwd)
    if root is not None:
        return locate(config.load(root))
    project = _committed_project(cwd)
    if project is None:
        raise NotConfigured(cwd)
    return locate(project)


def _committed_project(cwd: Path):
    """The project octoup.toml at HEAD describes (with this clone's octoup.local.toml), or None."""
    import subprocess
    import tomllib

    from octoup import config
    from octoup.project_root import CONFIG_FILE, LOCAL_CONFIG_FILE
    from octoup.textfiles import read_toml

    top = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=cwd, capture_output=True, text=True)
    shown = subprocess.run(["git", "show", f"HEAD:{CONFIG_FILE}"], cwd=cwd, capture_output=True, text=True)
    if top.returncode or shown.returncode:
        return None
    root = Path(top.stdout.strip())
    main = tomllib.loads(shown.stdout)
    local = read_toml(root / LOCAL_CONFIG_FILE) if (root / LOCAL_CONFIG_FILE).is_file() else {}
    return config.Project(root, config.ProjectConfig.model_validate(config.deep_merge(main, local)),
                          {"main": main, "local": local})


def lfs_tmp(cwd: Path) -> Path:
    """git-lfs's own temporary folder, on the same disk as its object cache (renames stay cheap)."""
    from octoup import git

    common = Path(git.run(cwd, "rev-parse", "--git-common-dir").strip())
    folder = (cwd / common if not common.is_absolute() else common) / "lfs" / "tmp"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def upload(store: Store, oid: str, size: int, path: Path, progress) -> None:
    """Upload ``path`` as object ``oid`` unless an object of that size is already there."""
    key = store.key(oid)
    try:
        if store.storage.stat(store.bucket, key).size == size:
            progress(size)
            return
    except ObjectNotFound:
        pass
    except BucketNotFound:
        from octoup.gitdata.store import StoreMissing

        raise StoreMissing(store.uri) from None
    store.storage.upload_file(store.bucket, key, path, expected_sha256=oid, progress=progress)


def download(store: Store, oid: str, size: int, tmp: Path, progress) -> Path:
    """Object ``oid``, verified against its SHA-256, as a file in ``tmp`` (git-lfs moves it into its
    cache). Objects up to the multipart threshold take one GET; larger ones parallel ranged reads."""
    target = tmp / f"octoup-{oid}"
    try:
        if size > store.storage.transfer_config().multipart_threshold:
            store.storage.download_file(store.bucket, store.key(oid), target, expected_sha256=oid,
                                        progress=progress)
        else:
            _get(store, oid, target, progress)
    except (ObjectNotFound, BucketNotFound):
        store.check_exists()
        raise MissingObject(oid, store.uri) from None
    return target


def _get(store: Store, oid: str, target: Path, progress) -> None:
    """One streamed GET into a temporary file, hashed on the way, renamed only when it matches."""
    import hashlib
    import os

    from octoup.errors import ChecksumMismatch
    from octoup.storage.transfer import COPY_CHUNK

    partial = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}")
    sha = hashlib.sha256()
    try:
        with store.storage.open(store.bucket, store.key(oid)) as src, partial.open("wb") as out:
            while chunk := src.read(COPY_CHUNK):
                sha.update(chunk)
                out.write(chunk)
                progress(len(chunk))
        if sha.hexdigest() != oid:
            raise ChecksumMismatch(store.uri + store.key(oid)[len(store.prefix):], "sha256", oid,
                                   sha.hexdigest())
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def main() -> None:
    """Console entry point (``octoup-lfs``): serve git-lfs until it says terminate."""
    import logging

    from octoup.gitdata import share

    logging.disable(logging.WARNING)  # stdout is the protocol; nothing else may be written there
    share.run(sys.stdin, Channel(sys.stdout), Agent)


if __name__ == "__main__":
    main()

"""Several git-lfs workers, one agent process.

git-lfs starts one agent process per concurrent transfer (8 by default), one after the other, each
waiting for the previous one's ``init``. Loading a cloud SDK in each costs more CPU than many
transfers, so the first worker of a git-lfs run becomes the agent for all of them: it listens on
a unix socket in a private folder (mode 0700) named after the git-lfs process, the operation and
the repository; the workers started after it only relay their lines there and back. A worker that
cannot reach the socket, or loses it, serves its requests itself, so sharing only ever saves work.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import os
import socket
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from octoup.gitdata.agent import Agent, Channel

CLOSE_WAIT = 30.0
"""Seconds the sharing worker waits, after its own ``terminate``, for each worker still connected."""


def _lfs_pid() -> int | None:
    """The git-lfs process this worker belongs to (it may be started through ``sh -c``)."""
    pid = os.getppid()
    for _ in range(3):
        try:
            if Path(f"/proc/{pid}/comm").read_text().strip().startswith("git-lfs"):
                return pid
            pid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            return None
    return None


def address(operation: str | None, cwd: Path) -> Path | None:
    """The socket the workers of this git-lfs run share, or None when sharing is not safe here."""
    pid = _lfs_pid()
    if pid is None or not hasattr(socket, "AF_UNIX"):
        return None
    folder = Path(tempfile.gettempdir()) / f"octoup-lfs-{os.getuid()}"
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
        info = folder.stat()
    except OSError:
        return None
    if info.st_uid != os.getuid() or info.st_mode & 0o077:
        return None  # someone else's folder, or others could reach the socket: do not share
    key = hashlib.sha256(f"{pid}|{operation}|{cwd.resolve()}".encode()).hexdigest()[:24]
    return folder / f"{key}.sock"


def _connect(path: Path) -> socket.socket | None:
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.connect(str(path))
    except OSError:
        conn.close()
        return None
    return conn


class Server:
    """Serves other workers' connections with this process's agent, one thread per connection."""

    def __init__(self, path: Path, agent: Agent):
        from octoup.gitdata.agent import Channel

        self.path, self.agent, self.channel_type = path, agent, Channel
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(str(path))
        self.listener.listen(64)
        self.threads: list[threading.Thread] = []
        threading.Thread(target=self._accept, daemon=True, name="octoup-lfs-accept").start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return  # closed
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True, name="octoup-lfs-worker")
            self.threads.append(thread)
            thread.start()

    def _serve(self, conn: socket.socket) -> None:
        # a worker that goes away is git-lfs's to report; this thread just ends
        with conn, conn.makefile("r", encoding="utf-8") as lines, \
                conn.makefile("w", encoding="utf-8") as out, contextlib.suppress(OSError):
            self.agent.serve(lines, self.channel_type(out))

    def close(self) -> None:
        """Stop accepting, then wait for the workers still connected: git-lfs ends them all together
        once every transfer is done, so this is short; the bound only guards against a stuck one."""
        self.listener.close()
        self.path.unlink(missing_ok=True)
        for thread in list(self.threads):
            thread.join(timeout=CLOSE_WAIT)


def relay(first: str, lines, conn: socket.socket, channel: Channel, fallback) -> None:
    """Pass this worker's requests to the shared agent and its answers back. If the shared agent goes
    away, the transfers it had are failed at once (git-lfs is waiting for them) and the rest are
    served by ``fallback()``, an agent of this worker's own."""
    pending: set[str] = set()
    lock = threading.Lock()
    lost = threading.Event()

    def answers() -> None:
        with contextlib.suppress(OSError, ValueError), conn.makefile("r", encoding="utf-8") as replies:
            for reply in replies:
                message = json.loads(reply)
                if message.get("event") == "complete":
                    with lock:
                        pending.discard(message.get("oid"))
                channel.send(message)
        with lock:
            lost.set()
            for oid in sorted(pending):
                channel.send({"event": "complete", "oid": oid,
                              "error": {"code": 2, "message": "octoup-lfs: the agent process serving this "
                                                              "transfer stopped; run the command again"}})
            pending.clear()

    reader = threading.Thread(target=answers, daemon=True)
    reader.start()
    own: Agent | None = None
    for line in itertools.chain([first], lines):
        if not line.strip():
            continue
        request = json.loads(line)
        event = request.get("event")
        with lock:
            shared = not lost.is_set()
            if shared and event in ("upload", "download"):
                pending.add(request["oid"])
        if shared:
            try:
                conn.sendall((line if line.endswith("\n") else line + "\n").encode())
            except OSError:
                reader.join()  # it sees the loss and fails this transfer with the others in flight
            if event == "terminate":
                break
            continue
        if own is None:
            own = fallback()
            own.init({})
        own.serve([line], channel)
        if event == "terminate":
            return
    with contextlib.suppress(OSError):
        conn.shutdown(socket.SHUT_WR)
    reader.join()


def run(lines, channel: Channel, make_agent) -> None:
    """Serve one git-lfs worker: relay to a shared agent when one runs, else be it."""
    first = lines.readline()
    if not first:
        return
    try:
        operation = json.loads(first).get("operation")
    except ValueError:
        operation = None
    agent = make_agent()
    path = address(operation, agent.cwd)
    server = None
    if path is not None:
        conn = _connect(path)
        if conn is not None:
            with conn:
                return relay(first, lines, conn, channel, make_agent)
        path.unlink(missing_ok=True)  # a socket left by a worker that died
        try:
            server = Server(path, agent)
        except OSError:
            server = None  # another worker won the race; this one serves itself
    try:
        agent.serve(itertools.chain([first], lines), channel)
    finally:
        if server is not None:
            server.close()

"""Workers of one git-lfs run share one agent over a unix socket; losing it fails only what was in flight."""

from __future__ import annotations

import io
import json
import socket
import threading
from pathlib import Path

import pytest

from octoup.gitdata import share
from octoup.gitdata.agent import Agent, Channel
from tests.gitdata.conftest import start_repo

DATA = b"shared agent\n" * 1000


class Answers(Channel):
    """A channel that remembers messages and tells the request feeder when a transfer completed."""

    def __init__(self):
        super().__init__(io.StringIO())
        self.messages: list[dict] = []
        self.completed = threading.Semaphore(0)

    def send(self, message: dict) -> None:
        super().send(message)
        self.messages.append(message)
        if message.get("event") == "complete" or message == {} or "error" in message:
            self.completed.release()


def paced(requests: list[dict], answers: Answers):
    """Requests one at a time, each after the previous one was answered, as git-lfs sends them."""
    for i, request in enumerate(requests):
        if i:
            assert answers.completed.acquire(timeout=30)
        yield json.dumps(request) + "\n"


@pytest.fixture
def repo(project, remote) -> Path:
    start_repo(project, remote, {"data/x.txt": DATA})
    return project


def upload(repo: Path, oid: str | None = None) -> dict:
    import hashlib

    return {"event": "upload", "oid": oid or hashlib.sha256(DATA).hexdigest(), "size": len(DATA),
            "path": str(repo / "data/x.txt")}


def test_relayed_workers_use_the_one_agent(repo, tmp_path):
    agent = Agent(repo)
    server = share.Server(tmp_path / "a.sock", agent)
    try:
        answers = Answers()
        requests = [{"event": "init", "operation": "upload"}, upload(repo), {"event": "terminate"}]
        lines = paced(requests, answers)
        conn = share._connect(tmp_path / "a.sock")
        share.relay(next(lines), lines, conn, answers, lambda: pytest.fail("no fallback expected"))
    finally:
        server.close()
    assert answers.messages[0] == {}
    assert answers.messages[-1] == {"event": "complete", "oid": requests[1]["oid"]}
    assert agent.ready and agent.store is not None
    assert not (tmp_path / "a.sock").exists()


def test_a_lost_shared_agent_fails_the_transfer_in_flight_then_the_worker_serves_itself(repo, tmp_path):
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(tmp_path / "b.sock"))
    listener.listen(1)

    def dies_mid_transfer() -> None:
        conn, _ = listener.accept()
        with conn, conn.makefile("r") as lines:
            lines.readline()
            conn.sendall(b"{}\n")  # init answered
            lines.readline()  # an upload taken ... and never answered

    threading.Thread(target=dies_mid_transfer, daemon=True).start()
    answers = Answers()
    first, second = upload(repo), upload(repo)
    requests = [{"event": "init", "operation": "upload"}, first, second, {"event": "terminate"}]
    lines = paced(requests, answers)
    conn = share._connect(tmp_path / "b.sock")
    share.relay(next(lines), lines, conn, answers, lambda: Agent(repo))
    completes = [m for m in answers.messages if m.get("event") == "complete"]
    assert "agent process serving this transfer stopped" in completes[0]["error"]["message"]
    assert completes[1] == {"event": "complete", "oid": second["oid"]}  # served by the worker itself
    listener.close()


def test_no_sharing_outside_git_lfs_or_in_an_open_folder(tmp_path, monkeypatch):
    assert share.address("upload", tmp_path) is None  # pytest's parent is not git-lfs
    monkeypatch.setattr(share, "_lfs_pid", lambda: 4242)
    monkeypatch.setattr(share.tempfile, "gettempdir", lambda: str(tmp_path))
    path = share.address("upload", tmp_path)
    assert path is not None and path.parent.stat().st_mode & 0o777 == 0o700
    assert share.address("download", tmp_path) != path
    path.parent.chmod(0o755)
    assert share.address("upload", tmp_path) is None

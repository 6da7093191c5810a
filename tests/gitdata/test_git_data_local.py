"""Git for data on the local store: plain git clone + init, pointers-only clones, errors that reach
git as readable messages with nothing half-written, the CLI's refusals, and lock races."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import threading

import pytest

from octoup import config, registry
from octoup.gitdata import locks
from octoup.gitdata.agent import Agent, Channel
from octoup.gitdata.store import locate
from tests.conftest import run_octoup
from tests.gitdata.conftest import git, octoup_ok, sha, start_repo

FILES = {"data/a.bin": hashlib.shake_256(b"a").digest(3 * 2**20), "data/b.csv": b"x,y\n1,2\n"}
OID = {name: hashlib.sha256(data).hexdigest() for name, data in FILES.items()}
POINTER = b"version https://git-lfs.github.com/spec/v1\n"


def store_of(root):
    return locate(config.load(root))


@pytest.fixture
def pushed(project, remote):
    """A repository on the local store with FILES pushed to ``remote``."""
    start_repo(project, remote, FILES)
    return project


def test_plain_git_clone_then_init_then_lfs_pull(pushed, remote):
    clone = pushed.parent / "plain"
    git(pushed.parent, "clone", "--quiet", str(remote), str(clone), env={"GIT_LFS_SKIP_SMUDGE": "1"})
    assert (clone / "data/a.bin").read_bytes().startswith(POINTER)
    done = octoup_ok("init", cwd=clone)
    assert "lfs.standalonetransferagent" in done.stderr and "local://" in done.stderr
    assert "already up to date" in octoup_ok("init", cwd=clone).stderr
    git(clone, "lfs", "pull")
    assert sha(clone / "data/a.bin") == OID["data/a.bin"]
    assert git(clone, "status", "--porcelain").stdout == ""


def test_pointers_only_clone_then_pull_one_file(pushed, remote):
    clone = pushed.parent / "light"
    done = octoup_ok("clone", str(remote), str(clone), "--no-data", cwd=pushed.parent)
    assert "pointers only" in done.stderr
    assert (clone / "data/a.bin").read_bytes().startswith(POINTER)
    octoup_ok("data", "pull", "data/a.bin", cwd=clone)
    assert sha(clone / "data/a.bin") == OID["data/a.bin"]
    assert (clone / "data/b.csv").read_bytes().startswith(POINTER)
    assert git(clone, "status", "--porcelain").stdout == ""


def test_clone_include_checks_out_only_matching_files(pushed, remote):
    clone = pushed.parent / "some"
    octoup_ok("clone", str(remote), str(clone), "--include", "data/*.csv", cwd=pushed.parent)
    assert (clone / "data/b.csv").read_bytes() == FILES["data/b.csv"]
    assert (clone / "data/a.bin").read_bytes().startswith(POINTER)


def test_copy_data_within_one_cloud_is_server_side_and_rerunnable(pushed, remote):
    clone = pushed.parent / "copy"
    done = octoup_ok("clone", str(remote), str(clone), "--copy-data", "--cloud", "local", cwd=pushed.parent)
    assert "Copied 2 object(s)" in done.stderr and "server-side" in done.stderr
    bucket = config.load(clone).cloud_settings("local").bucket
    assert bucket.startswith("weather-data-") and bucket != store_of(pushed).bucket
    assert "octoup.local.toml (this clone only)" in done.stderr
    assert sha(clone / "data/a.bin") == OID["data/a.bin"]
    # a push from the copy goes to the copy's bucket, not the original's
    (clone / "data/new.txt").write_text("new\n")
    git(clone, "add", ".")
    git(clone, "commit", "-qm", "new")
    git(clone, "push", "-q", "origin", "main")
    new_oid = hashlib.sha256(b"new\n").hexdigest()
    storage = store_of(clone)
    assert storage.storage.stat(storage.bucket, storage.key(new_oid)).size == 4
    original = store_of(pushed)
    assert not any(new_oid in i.key for i in original.storage.list(original.bucket, "lfs/"))


def test_missing_object_reaches_git_readably_and_leaves_the_pointer(pushed, remote):
    store = store_of(pushed)
    store.storage.delete(store.bucket, store.key(OID["data/a.bin"]))
    clone = pushed.parent / "missing"
    failed = run_octoup("clone", str(remote), str(clone), cwd=pushed.parent)
    assert failed.returncode == 2
    assert f"object {OID['data/a.bin'][:12]}… is not in local://weather-data/lfs/" in failed.stderr
    assert "git lfs push --all origin" in failed.stderr
    assert "Traceback" not in failed.stderr
    assert (clone / "data/a.bin").read_bytes().startswith(POINTER)  # not half-written
    assert (clone / "data/b.csv").read_bytes() == FILES["data/b.csv"]


def test_corrupted_object_is_refused_and_nothing_is_half_written(pushed, remote):
    store = store_of(pushed)
    store.storage.put(store.bucket, store.key(OID["data/a.bin"]), b"\0" * len(FILES["data/a.bin"]))
    clone = pushed.parent / "corrupt"
    failed = run_octoup("clone", str(remote), str(clone), cwd=pushed.parent)
    assert failed.returncode == 2
    assert "Checksum mismatch" in failed.stderr and OID["data/a.bin"] in failed.stderr
    assert (clone / "data/a.bin").read_bytes().startswith(POINTER)
    oid = OID["data/a.bin"]
    assert not (clone / ".git/lfs/objects" / oid[:2] / oid[2:4] / oid).exists()
    assert not [p for p in (clone / ".git/lfs/tmp").iterdir() if p.name.startswith(".octoup")]


def test_clone_whose_bucket_is_gone_says_so_and_how_to_fix_it(pushed, remote, isolated):
    shutil.rmtree(isolated.parent / "store" / store_of(pushed).bucket)
    clone = pushed.parent / "gone"
    failed = run_octoup("clone", str(remote), str(clone), cwd=pushed.parent)
    assert failed.returncode == 2
    assert "local://weather-data/lfs/ does not exist" in failed.stderr
    assert f"cd {clone} && octoup config set --local clouds.local.bucket NAME && octoup init" in failed.stderr
    assert (clone / "octoup.toml").is_file()  # the code is there
    copy = run_octoup("clone", str(remote), str(pushed.parent / "gone-copy"), "--copy-data",
                      "--cloud", "local", cwd=pushed.parent)
    assert copy.returncode == 2 and "local://weather-data/lfs/ does not exist" in copy.stderr
    assert "octoup config set --local clouds.local.bucket NAME" in copy.stderr
    warned = octoup_ok("init", cwd=clone)
    assert "Warning: the project's git data store local://weather-data/lfs/ does not exist" in warned.stderr


def test_no_credentials_reach_git_as_an_error_and_no_secret_is_written(cloud_project, remote, monkeypatch):
    git(cloud_project, "init", "--quiet")
    octoup_ok("data", "track", "data/**", "--cloud", "aws", cwd=cloud_project)
    (cloud_project / "data").mkdir()
    (cloud_project / "data/x.bin").write_bytes(b"x" * 1000)
    git(cloud_project, "add", ".")
    git(cloud_project, "commit", "-qm", "x")
    git(cloud_project, "remote", "add", "origin", str(remote))
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    refused = git(cloud_project, "push", "origin", "main", check=False)  # the pre-push hook says it
    assert refused.returncode != 0 and "cannot check data locks" in refused.stderr
    assert "No AWS credentials found" in refused.stderr
    assert "main" not in git(remote, "branch").stdout  # nothing pushed without its data
    failed = git(cloud_project, "lfs", "push", "--all", "origin", check=False)  # the agent says it
    assert failed.returncode != 0
    assert "no aws credentials for s3://weather-data/lfs/" in failed.stderr
    for text in [failed.stderr, refused.stderr, (cloud_project / ".git/config").read_text(),
                 *(p.read_text() for p in (cloud_project / ".git/lfs/logs").glob("*"))]:
        assert "testing-secret-key" not in text


def test_data_commands_refuse_bad_input_clearly(pushed, isolated):
    cases = [
        (["data", "log", "data/nope.csv"], "data/nope.csv has no history"),
        (["data", "pull", "data/a.bin", "--rev", "no-such-rev"], "data/a.bin does not exist at no-such-rev"),
        (["data", "pull", "octoup.toml", "--rev", "HEAD"], "stored in git itself"),
        (["data", "unlock", "data/a.bin"], "data/a.bin is not locked"),
        (["clone", "x", "--cloud", "gcp"], "only apply with --copy-data"),
        (["clone", "x", "--copy-data"], "--copy-data needs --cloud"),
        (["data", "lock", "/etc/passwd"], "is outside the repository"),
    ]
    for args, message in cases:
        result = run_octoup(*args, cwd=pushed)
        assert result.returncode == 2, (args, result.stderr)
        assert message in result.stderr, (args, result.stderr)
        assert "Traceback" not in result.stderr
    outside = isolated.parent / "not-a-repo"
    outside.mkdir()
    result = run_octoup("data", "locks", cwd=outside)
    assert result.returncode == 2 and "is not inside a git repository" in result.stderr


def test_pull_rev_refuses_to_overwrite_uncommitted_changes(pushed):
    (pushed / "data/b.csv").write_text("changed\n")
    result = run_octoup("data", "pull", "data/b.csv", "--rev", "HEAD", cwd=pushed)
    assert result.returncode == 2 and "has changes that are not committed" in result.stderr
    assert (pushed / "data/b.csv").read_text() == "changed\n"


def test_agent_protocol(pushed, isolated):
    """The agent's answers, event by event: skip when present, verify, error events."""
    lines = [json.dumps({"event": "init", "operation": "upload", "remote": "origin", "concurrent": True,
                         "concurrenttransfers": 2})]
    a = pushed / "data/a.bin"
    lines.append(json.dumps({"event": "upload", "oid": OID["data/a.bin"], "size": a.stat().st_size,
                             "path": str(a), "action": None}))
    wrong = "0" * 64
    lines.append(json.dumps({"event": "upload", "oid": wrong, "size": 8, "path": str(pushed / "data/b.csv")}))
    lines.append(json.dumps({"event": "terminate"}))
    out = io.StringIO()
    Agent(pushed).serve(lines, Channel(out))
    events = [json.loads(line) for line in out.getvalue().splitlines()]
    assert events[0] == {}
    assert events[1] == {"event": "progress", "oid": OID["data/a.bin"], "bytesSoFar": a.stat().st_size,
                         "bytesSinceLast": a.stat().st_size}
    assert events[2] == {"event": "complete", "oid": OID["data/a.bin"]}
    assert events[-1]["oid"] == wrong and "Checksum mismatch" in events[-1]["error"]["message"]
    store = store_of(pushed)
    assert not any(wrong in i.key for i in store.storage.list(store.bucket, "lfs/"))

    nowhere = isolated.parent / "elsewhere"
    nowhere.mkdir()
    out = io.StringIO()
    Agent(nowhere).serve([lines[0], json.dumps({"event": "download", "oid": wrong, "size": 1}), lines[-1]],
                         Channel(out))
    init, done = [json.loads(line) for line in out.getvalue().splitlines()]
    assert "no octoup.toml" in init["error"]["message"] and "octoup init" in init["error"]["message"]
    assert done["error"]["code"] == 2 and done["oid"] == wrong


def test_one_of_many_racing_lockers_wins(project, gitenv):
    git(project, "init", "--quiet")
    octoup_ok("data", "track", "data/**", cwd=project)
    store = store_of(project)
    store.storage.ensure_bucket(store.bucket)
    results: dict[str, object] = {}

    def claim(owner: str) -> None:
        try:
            results[owner] = locks.lock(store, "data/x.csv", owner)
        except locks.Locked as exc:
            results[owner] = exc

    threads = [threading.Thread(target=claim, args=(f"user{i}@x",)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    winners = [owner for owner, r in results.items() if isinstance(r, tuple)]
    assert len(winners) == 1, results
    held = locks.list_locks(store)
    assert [(lk.path, lk.owner) for lk in held] == [("data/x.csv", winners[0])]
    # every loser was told the file is locked (naming the claim it saw: while claims race, that can be
    # one that is about to step back; a conditional create in the store would name the winner)
    assert len(results) == 6
    assert all(isinstance(r, locks.Locked) for o, r in results.items() if o != winners[0])
    # re-locking is a no-op for the owner; someone else needs --force to unlock
    assert locks.lock(store, "data/x.csv", winners[0])[1] is False
    with pytest.raises(Exception, match="not by you"):
        locks.unlock(store, "data/x.csv", "someone@else")
    locks.unlock(store, "data/x.csv", "someone@else", force=True)
    assert locks.list_locks(store) == []
    assert registry  # the provider registry is what locate() used


def test_a_no_checkout_clone_finds_the_store_in_the_committed_octoup_toml(pushed, remote):
    clone = pushed.parent / "bare-tree"
    git(pushed.parent, "clone", "--quiet", "--no-checkout", str(remote), str(clone))
    octoup_ok("init", cwd=clone)
    git(clone, "lfs", "fetch", "origin", "main")  # octoup.toml is not in the work tree yet
    git(clone, "checkout", "--quiet", "main")
    assert sha(clone / "data/a.bin") == OID["data/a.bin"]


def test_clone_asks_for_the_cloud_on_a_terminal(pushed, remote):
    """A real pseudo-terminal: the prompt lists the installed clouds; the answers pick local and keep
    the copy to this clone."""
    import os
    import subprocess
    import sys
    import time

    main, secondary = os.openpty()
    clone = pushed.parent / "asked"
    proc = subprocess.Popen([sys.executable, "-m", "octoup", "clone", str(remote), str(clone), "--copy-data"],
                            cwd=pushed.parent, stdin=secondary, stdout=secondary, stderr=secondary)
    os.close(secondary)
    seen, answers = b"", [(b"Cloud (name or number)", b"local\n"), (b"project's data store", b"n\n")]
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline:
        try:
            seen += os.read(main, 4096)
        except OSError:
            break
        if answers and answers[0][0] in seen:
            os.write(main, answers.pop(0)[1])
    proc.wait(timeout=60)
    os.close(main)
    text = seen.decode(errors="replace")
    assert proc.returncode == 0, text
    assert "Copy the data into a new bucket on which cloud?" in text and "local" in text
    assert "octoup.local.toml (this clone only)" in text
    assert sha(clone / "data/a.bin") == OID["data/a.bin"]


def test_track_says_which_gitignore_rule_hides_matching_files(project, gitenv):
    git(project, "init", "--quiet")
    (project / ".gitignore").write_text("# data is not for git\n/data/**\n!/data/**/\n")
    (project / "data/raw").mkdir(parents=True)
    (project / "data/raw/wine.csv").write_text("a,b\n1,2\n")
    done = octoup_ok("data", "track", "data/raw/**", "*.parquet", cwd=project)
    assert ("1 matching file(s) are hidden from git (data/raw/wine.csv) by .gitignore:2 (/data/**)"
            in done.stderr)
    assert "\n  !/data/raw/**\n  !*.parquet" in done.stderr
    with (project / ".gitignore").open("a") as fh:
        fh.write("!/data/raw/**\n")
    git(project, "add", "data/raw/wine.csv")
    staged = git(project, "show", ":data/raw/wine.csv").stdout
    assert staged.startswith(POINTER.decode())  # git holds a pointer

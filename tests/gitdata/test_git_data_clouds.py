"""Sarah's git-for-data story on the emulators: data pushed to S3 (moto) with plain git, cloned with a
copy into a new GCS bucket (gcp-storage-emulator), branches, history and locks."""

from __future__ import annotations

import hashlib

import pytest

from octoup import config, registry
from tests.conftest import run_octoup
from tests.gitdata.conftest import as_user, git, octoup_ok, sha, start_repo

FILES = {
    "data/raw/readings.csv": b"station,temp\n" + b"".join(b"s%d,%d\n" % (i, i % 40) for i in range(50_000)),
    "data/raw/blob.bin": hashlib.shake_256(b"blob").digest(40 * 2**20),  # multipart on every cloud
    "data/small.json": b'{"ok": true}\n',
}


def keys(root, cloud: str, bucket: str) -> set[str]:
    storage = registry.for_project(config.load(root), cloud)
    return {info.key for info in storage.list(bucket, "lfs/objects/")}


def test_push_clone_with_copy_to_gcs_branch_history_and_locks(cloud_project, remote):
    work = cloud_project
    (work / "train.py").write_text("print('train')\n")
    start_repo(work, remote, FILES, cloud="aws")
    aws_bucket = config.load(work).cloud_settings("aws").bucket
    oids = {name: hashlib.sha256(data).hexdigest() for name, data in FILES.items()}
    assert keys(work, "aws", aws_bucket) == {f"lfs/objects/{o[:2]}/{o[2:4]}/{o}" for o in oids.values()}
    # git holds pointers only
    assert git(work, "cat-file", "-s", "HEAD:data/raw/blob.bin").stdout.strip() < "200"

    clone = work.parent / "sarah"
    done = octoup_ok("clone", str(remote), str(clone), "--copy-data", "--cloud", "gcp", "--bucket",
                     "sarah-copy", "--project-store", cwd=work.parent)
    assert "Copied 3 object(s)" in done.stderr and "streamed" in done.stderr
    assert "gs://sarah-copy/lfs/" in done.stderr
    for name in FILES:
        assert sha(clone / name) == oids[name], name
    assert keys(clone, "gcp", "sarah-copy") == keys(work, "aws", aws_bucket)
    assert 'default_cloud = "gcp"' in (clone / "octoup.toml").read_text()
    assert "sarah-copy" in (clone / "octoup.local.toml").read_text()

    # the copy is the project's store now: commit that, and the original clone follows
    git(clone, "commit", "--quiet", "-am", "data lives in gcs now")
    git(clone, "push", "--quiet", "origin", "main")
    git(work, "pull", "--quiet", "origin", "main")

    # a branch with changed data: pushed to the new bucket; main still shows the old data
    git(clone, "checkout", "--quiet", "-b", "more-stations")
    (clone / "data/raw/readings.csv").write_bytes(FILES["data/raw/readings.csv"] + b"s-new,99\n")
    (clone / "data/raw/extra.parquet").write_bytes(b"PAR1" + bytes(range(256)) * 64)
    git(clone, "add", ".")
    git(clone, "commit", "--quiet", "-m", "more stations")
    git(clone, "push", "--quiet", "-u", "origin", "more-stations")
    assert len(keys(clone, "gcp", "sarah-copy")) == 5
    git(clone, "checkout", "--quiet", "main")
    assert (clone / "data/raw/readings.csv").read_bytes() == FILES["data/raw/readings.csv"]
    assert not (clone / "data/raw/extra.parquet").exists()
    git(clone, "checkout", "--quiet", "more-stations")
    assert (clone / "data/raw/readings.csv").read_bytes().endswith(b"s-new,99\n")

    # history: every version, and the old one back from the bucket
    log = octoup_ok("data", "log", "data/raw/readings.csv", "--json", cwd=clone)
    import json

    versions = json.loads(log.stdout)["versions"]
    assert [v["subject"] for v in versions] == ["more stations", "data"]
    assert versions[1]["oid"] == oids["data/raw/readings.csv"]
    old = work.parent / "old.csv"
    octoup_ok("data", "pull", "data/raw/readings.csv", "--rev", versions[1]["commit"], "--output", str(old),
              cwd=clone)
    assert old.read_bytes() == FILES["data/raw/readings.csv"]

    # locks: Sarah locks the file; Bob (the first clone) cannot push a change to it
    octoup_ok("data", "lock", "data/raw/readings.csv", cwd=clone)
    listed = octoup_ok("data", "locks", cwd=work)
    assert "data/raw/readings.csv" in listed.stdout and "sarah@example.com" in listed.stdout
    as_user(work, "bob@example.com")
    (work / "data/raw/readings.csv").write_bytes(b"station,temp\nbob,1\n")
    git(work, "commit", "--quiet", "-am", "bob's edit")
    refused = git(work, "push", "origin", "main", check=False)
    assert refused.returncode != 0
    assert "data/raw/readings.csv is locked by sarah@example.com" in refused.stderr
    assert "octoup data unlock" in refused.stderr
    assert "bob's edit" not in git(remote, "log", "--format=%s", "main").stdout
    # Bob cannot unlock it without --force; once Sarah does, his push goes through
    assert run_octoup("data", "unlock", "data/raw/readings.csv", cwd=work).returncode == 2
    octoup_ok("data", "unlock", "data/raw/readings.csv", cwd=clone)
    git(work, "push", "--quiet", "origin", "main")
    assert "bob's edit" in git(remote, "log", "--format=%s", "main").stdout


@pytest.mark.parametrize("cloud", ["aws", "gcp", "azure"])
def test_round_trip_and_locks_on_each_cloud(cloud_project, remote, cloud):
    """Plain git push into each emulator, a plain clone + init + git lfs pull back, a lock object."""
    files = {"data/a.bin": hashlib.shake_256(cloud.encode()).digest(3 * 2**20), "data/b.txt": b"b\n"}
    start_repo(cloud_project, remote, files, cloud=cloud)
    clone = cloud_project.parent / "plain"
    git(cloud_project.parent, "clone", "--quiet", str(remote), str(clone), env={"GIT_LFS_SKIP_SMUDGE": "1"})
    octoup_ok("init", cwd=clone)
    git(clone, "lfs", "pull")
    for name, data in files.items():
        assert (clone / name).read_bytes() == data
    octoup_ok("data", "lock", "data/b.txt", cwd=clone)
    assert "data/b.txt" in octoup_ok("data", "locks", cwd=cloud_project).stdout
    octoup_ok("data", "unlock", "data/b.txt", cwd=clone)
    assert "No locks" in octoup_ok("data", "locks", cwd=cloud_project).stderr

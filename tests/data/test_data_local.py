"""`octoup data` end to end on the local provider: copy, rerun, pull, push, versions, paths, rm."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from octoup import config, registry
from octoup.data import manifest as mf
from octoup.data.copy import CopyOptions, copy_dataset
from tests.conftest import run_octoup
from tests.data.conftest import make_archive, make_dataset, sha256


def data(*args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    return run_octoup("data", *args, cwd=cwd, env=env)


def bucket_objects(project: Path, name: str) -> dict[str, str]:
    """key -> sha256 of what is in the dataset's bucket, read back through the adapter."""
    import hashlib

    manifest = mf.load_dataset(project, name)
    storage = registry.for_project(config.load(project), manifest.cloud)
    return {o.key[len(manifest.prefix):]: hashlib.sha256(storage.read(manifest.bucket, o.key)).hexdigest()
            for o in storage.list(manifest.bucket, manifest.prefix) if "/.versions/" not in f"/{o.key}"}


def test_copy_a_folder_then_rerun_copies_nothing(project, tmp_path):
    hashes = make_dataset(tmp_path / "weather")
    result = data("copy", str(tmp_path / "weather"), "--name", "weather", cwd=project)
    assert result.returncode == 0, result.stderr
    assert f"copied {len(hashes)} of {len(hashes)} files" in result.stderr
    assert bucket_objects(project, "weather") == hashes
    manifest = json.loads((project / "data/.octoup/weather/manifest.json").read_text())
    assert {p: f["sha256"] for p, f in manifest["files"].items()} == hashes
    assert manifest["uri"] == "local://weather-data/weather/"
    conf = tomllib.loads((project / "octoup.toml").read_text())
    assert conf["clouds"]["local"]["bucket"] == "weather-data"
    assert conf["datasets"]["weather"]["prefix"] == "weather/"
    again = data("copy", str(tmp_path / "weather"), "--name", "weather", "--json", cwd=project)
    summary = json.loads(again.stdout)
    assert summary["copied"] == 0 and summary["skipped"] == len(hashes)
    human = data("add", "weather", str(tmp_path / "weather"), cwd=project)
    assert "already in local://weather-data/weather/; nothing copied" in human.stderr
    # one changed file: only it is copied again
    changed = tmp_path / "weather" / "penguins.csv"
    changed.write_text(changed.read_text() + "extra,row\n")
    third = json.loads(data("copy", str(tmp_path / "weather"), "--name", "weather", "--json",
                            cwd=project).stdout)
    assert third["copied"] == 1


def test_pull_verifies_skips_and_filters(project, tmp_path):
    hashes = make_dataset(tmp_path / "src")
    assert data("copy", str(tmp_path / "src"), "--name", "w", cwd=project).returncode == 0
    only = data("pull", "w", "--only", "csv/*", cwd=project)
    assert only.returncode == 0, only.stderr
    pulled = project / "data/raw/w"
    assert sorted(p.relative_to(pulled).as_posix() for p in pulled.rglob("*") if p.is_file()) == \
        sorted(p for p in hashes if p.startswith("csv/"))
    full = data("pull", "w", "--json", cwd=project)
    [summary] = json.loads(full.stdout)
    assert summary["skipped"] == len([p for p in hashes if p.startswith("csv/")])
    assert {p: sha256(pulled / p) for p in hashes} == hashes
    (pulled / "penguins.csv").write_text("tampered\n")
    [fixed] = json.loads(data("pull", "w", "--json", cwd=project).stdout)
    assert fixed["moved"] == 1 and sha256(pulled / "penguins.csv") == hashes["penguins.csv"]
    none = data("pull", "w", "--only", "*.parquet", cwd=project)
    assert none.returncode == 2 and "no file of 'w' matches" in none.stderr


def test_push_versions_and_reading_an_old_version(project, tmp_path):
    hashes = make_dataset(tmp_path / "src", files=4)
    assert data("copy", str(tmp_path / "src"), "--name", "w", cwd=project).returncode == 0
    assert data("version", "w", cwd=project).returncode == 0
    assert data("pull", "w", cwd=project).returncode == 0
    local = project / "data/raw/w"
    (local / "penguins.csv").write_text("species\nAdelie\n")
    (local / "new.csv").write_text("a\n1\n")
    pushed = data("push", "w", cwd=project)
    assert "2 file(s) uploaded" in pushed.stderr, pushed.stderr
    current = bucket_objects(project, "w")
    assert current["new.csv"] == sha256(local / "new.csv")
    # v1 still reads the old bytes, kept under the version archive
    listed = json.loads(data("ls", "w", "--version", "v1", "--json", cwd=project).stdout)
    assert {f["path"] for f in listed["files"]} == set(hashes)
    other = project / "elsewhere"
    other.mkdir()
    (other / "octoup.toml").write_text((project / "octoup.toml").read_text())
    (other / "data").mkdir()
    import shutil

    shutil.copytree(project / "data/.octoup", other / "data/.octoup")
    old = data("pull", "w", "--version", "v1", cwd=other)
    assert old.returncode == 0, old.stderr
    assert sha256(other / "data/raw/w/penguins.csv") == hashes["penguins.csv"]
    assert not (other / "data/raw/w/new.csv").exists()
    assert data("version", "w", "--label", "v1", cwd=project).returncode == 2
    # delete locally and push --delete: the object goes, the version still has it
    (local / "new.csv").unlink()
    assert "1 deleted" in data("push", "w", "--delete", cwd=project).stderr
    assert "new.csv" not in bucket_objects(project, "w")


def test_path_shim_works_before_and_after_pull(project, tmp_path):
    make_dataset(tmp_path / "src", files=2)
    assert data("copy", str(tmp_path / "src"), "--name", "w", cwd=project).returncode == 0
    script = project / "analysis.py"
    script.write_text(
        "import octoup.data\n"
        "print(octoup.data.path('w/penguins.csv'))\n"
        "with octoup.data.open('w/penguins.csv', 'r') as f:\n"
        "    print(f.readline().strip())\n"
    )
    before = subprocess.run([sys.executable, str(script)], cwd=project, capture_output=True, text=True)
    assert before.returncode == 0, before.stderr
    where, header = before.stdout.splitlines()
    assert "data/raw" not in where and Path(where).is_file()  # the local store's own object file
    assert header.startswith("species")
    assert data("pull", "w", cwd=project).returncode == 0
    after = subprocess.run([sys.executable, str(script)], cwd=project, capture_output=True, text=True)
    assert after.stdout.splitlines() == [str(project / "data/raw/w/penguins.csv"), header]


def test_rm_forgets_the_dataset_and_keeps_or_deletes_objects(project, tmp_path):
    make_dataset(tmp_path / "src", files=2)
    assert data("copy", str(tmp_path / "src"), "--name", "w", cwd=project).returncode == 0
    assert data("copy", str(tmp_path / "src"), "--name", "x", cwd=project).returncode == 0
    kept = data("rm", "w", cwd=project)
    assert "its objects stay in local://weather-data/w/" in kept.stderr
    assert not (project / "data/.octoup/w").exists()
    assert "w" not in tomllib.loads((project / "octoup.toml").read_text())["datasets"]
    storage = registry.for_project(config.load(project), "local")
    assert list(storage.list("weather-data", "w/"))
    assert "Deleted 3 object(s)" in data("rm", "x", "--objects", "--yes", cwd=project).stderr
    assert not list(storage.list("weather-data", "x/"))
    assert data("ls", cwd=project).stderr.startswith("No datasets yet")


@pytest.mark.parametrize("suffix", [".tar.gz", ".tar.zst", ".zip", ".tar.bz2"])
def test_local_archives_unpack_into_objects(project, tmp_path, suffix):
    hashes = make_dataset(tmp_path / "src", files=5)
    archive = make_archive(tmp_path / "src", tmp_path / f"weather{suffix}")
    result = data("copy", str(archive), cwd=project)
    assert result.returncode == 0, result.stderr
    assert bucket_objects(project, "weather") == hashes
    manifest = mf.load_dataset(project, "weather")
    assert manifest.files["penguins.csv"].source == f"{archive.resolve()}!penguins.csv"
    again = json.loads(data("copy", str(archive), "--json", cwd=project).stdout)
    assert again["copied"] == 0 and again["skipped"] == len(hashes)
    packed = data("copy", str(archive), "--name", "packed", "--no-unpack", "--json", cwd=project)
    assert list(mf.load_dataset(project, "packed").files) == [archive.name], packed.stderr


def test_a_failure_mid_copy_resumes_without_redoing_finished_files(project, tmp_path, monkeypatch):
    hashes = make_dataset(tmp_path / "src", files=30)
    proj = config.load(project)
    storage_cls = type(registry.for_project(proj, "local"))
    real_put = storage_cls.put
    calls = {"n": 0, "failed": False}

    def flaky_put(self, bucket, key, data_, metadata=None):
        calls["n"] += 1
        if calls["n"] == 12 and not calls["failed"]:
            calls["failed"] = True
            raise ConnectionError("the store went away")
        return real_put(self, bucket, key, data_, metadata)

    monkeypatch.setattr(storage_cls, "put", flaky_put)
    with pytest.raises(ConnectionError):
        copy_dataset(proj, CopyOptions("w", [str(tmp_path / "src")]))
    recorded = mf.load_dataset(project, "w").files
    assert 0 < len(recorded) < len(hashes)
    assert all(hashes[p] == e.sha256 for p, e in recorded.items())
    calls["n"] = 0
    summary = copy_dataset(config.load(project), CopyOptions("w", [str(tmp_path / "src")]))
    assert summary.skipped == len(recorded) and summary.copied == len(hashes) - len(recorded)
    assert calls["n"] == summary.copied
    assert bucket_objects(project, "w") == hashes


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["copy", "ftp://example.invalid/x.csv"], "'ftp://' is not a source octoup knows"),
        (["copy", "missing-folder"], "no such file or folder"),
        (["copy", "*.nothing"], "the pattern matches no file"),
        (["copy", "local://no-such-bucket/x.csv", "--name", "n"], "does not exist"),
        (["copy", "src", "--bucket", "Bad_Bucket"], "not a valid local bucket name"),
        (["copy", "src", "--name", "../evil"], "is not a usable dataset name"),
        (["pull", "nothing"], "no dataset named 'nothing'"),
        (["pull"], "give a dataset NAME or --all"),
    ],
)
def test_bad_input_is_a_clear_error(project, tmp_path, args, message):
    make_dataset(project / "src", files=1)
    before = sorted(p.relative_to(project).as_posix() for p in project.rglob("*"))
    result = data(*args, cwd=project)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr
    assert sorted(p.relative_to(project).as_posix() for p in project.rglob("*")) == before


def test_unsafe_archive_member_is_refused_and_never_recorded(project, tmp_path):
    import io
    import tarfile

    archive = tmp_path / "evil.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        for name, body in (("good.csv", b"a\n1\n"), ("../../escape.csv", b"x\n")):
            info = tarfile.TarInfo(name)
            info.size = len(body)
            tar.addfile(info, io.BytesIO(body))
    result = data("copy", str(archive), cwd=project)
    assert result.returncode == 2
    assert "../../escape.csv" in result.stderr and "Traceback" not in result.stderr
    recorded = mf.load_dataset(project, "evil").files
    assert "../../escape.csv" not in recorded and set(recorded) <= {"good.csv"}


def test_disk_full_on_pull_is_clear_and_leaves_nothing_partial(project, tmp_path, monkeypatch):
    import errno

    from octoup.data import pull as pull_module

    make_dataset(tmp_path / "src", files=2)
    proj = config.load(project)
    copy_dataset(proj, CopyOptions("w", [str(tmp_path / "src")]))
    storage_cls = type(registry.for_project(proj, "local"))

    def full(self, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(storage_cls, "download_file", full)
    with pytest.raises(pull_module.DiskFull) as caught:
        pull_module.pull(proj, "w")
    assert caught.value.exit_code == 2 and "no space left" in caught.value.message
    assert not any(p.is_file() for p in (project / "data/raw/w").rglob("*"))


def test_sources_inside_the_project_are_recorded_relative_to_it(project):
    make_dataset(project / "incoming", files=1)
    assert data("copy", "incoming", "--name", "in", cwd=project).returncode == 0
    entry = mf.load_dataset(project, "in").files["penguins.csv"]
    assert entry.source == "incoming/penguins.csv"  # committed: no home folder in it


def test_ctrl_c_mid_copy_keeps_finished_files_and_the_rerun_does_the_rest(project, http_server, tmp_path):
    import hashlib
    import os
    import signal
    import time

    source = tmp_path / "slow"
    source.mkdir()
    for i in range(60):
        (source / f"part-{i:02d}.bin").write_bytes(hashlib.shake_256(f"{i}".encode()).digest(100_000))
    archive = make_archive(source, http_server.root / "slow-ctrl-c.tar.gz")
    http_server.behave(archive.name, ranges=False, rate=1_500_000)  # ~4 s for the whole archive
    proc = subprocess.Popen([sys.executable, "-m", "octoup", "data", "copy", http_server.url(archive.name)],
                            cwd=project, stderr=subprocess.PIPE, text=True)
    manifest = project / "data/.octoup/slow-ctrl-c/manifest.json"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not (manifest.exists()
                                               and json.loads(manifest.read_text())["files"]):
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert "Interrupted: what finished is recorded in data/.octoup/slow-ctrl-c/manifest.json" in err
    assert "Traceback" not in err
    recorded = mf.load_dataset(project, "slow-ctrl-c").files
    assert 0 < len(recorded) < 60
    assert all(e.sha256 == sha256(source / p) for p, e in recorded.items())
    http_server.behave(archive.name)
    rerun = json.loads(data("copy", http_server.url(archive.name), "--json", cwd=project).stdout)
    assert rerun["skipped"] == len(recorded) and rerun["copied"] == 60 - len(recorded)
    assert os.path.getsize(manifest) > 0 and len(mf.load_dataset(project, "slow-ctrl-c").files) == 60


def test_an_archive_member_and_a_file_with_the_same_path_are_refused(project, tmp_path):
    make_dataset(tmp_path / "src", files=1)
    archive = make_archive(tmp_path / "src", tmp_path / "packed.tar.gz")
    result = data("copy", str(archive), str(tmp_path / "src" / "penguins.csv"), "--name", "both", cwd=project)
    assert result.returncode == 2
    assert "two sources give the dataset the same file penguins.csv" in result.stderr

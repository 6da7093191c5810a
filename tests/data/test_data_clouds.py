"""`octoup data copy` across real emulators: http → each cloud, cloud → cloud, server-side, faults."""

from __future__ import annotations

import hashlib
import json
import threading
from pathlib import Path

import pytest

from octoup import config
from octoup.data import manifest as mf
from octoup.data.copy import CopyOptions, Reporter, copy_dataset
from tests.conftest import run_octoup
from tests.data.conftest import make_archive, make_dataset, sha256, unique_bucket
from tests.services import free_port, start_azurite

CLOUDS = ["aws", "gcp", "azure"]


def data(*args: str, cwd: Path) -> dict:
    result = run_octoup("data", *args, "--json", cwd=cwd)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def pulled_hashes(project: Path, name: str) -> dict[str, str]:
    result = run_octoup("data", "pull", name, cwd=project)
    assert result.returncode == 0, result.stderr
    folder = project / "data" / "raw" / name
    return {p.relative_to(folder).as_posix(): sha256(p) for p in folder.rglob("*") if p.is_file()}


@pytest.mark.parametrize("cloud", CLOUDS)
@pytest.mark.parametrize("suffix", [".tar.gz", ".zip"])
def test_http_archive_into_each_cloud(cloud_project, http_server, tmp_path, cloud, suffix):
    hashes = make_dataset(tmp_path / "src", files=6)
    name = f"weather-{cloud}-{suffix.strip('.').replace('.', '-')}"
    archive = make_archive(tmp_path / "src", http_server.root / f"{name}{suffix}")
    summary = data("copy", http_server.url(archive.name), "--cloud", cloud, "--bucket", unique_bucket(),
                   cwd=cloud_project)
    assert summary["copied"] == len(hashes) and summary["bucket_created"]
    manifest = mf.load_dataset(cloud_project, name)
    assert manifest.cloud == cloud and set(manifest.files) == set(hashes)
    assert pulled_hashes(cloud_project, name) == hashes
    again = data("copy", http_server.url(archive.name), "--name", name, cwd=cloud_project)
    assert again["copied"] == 0 and again["skipped"] == len(hashes)


@pytest.mark.parametrize(("source", "target"), [("aws", "gcp"), ("gcp", "azure"), ("azure", "aws")])
def test_cloud_to_cloud_streams_through_memory(cloud_project, tmp_path, source, target):
    hashes = make_dataset(tmp_path / "src", files=5, big=40 * 2**20)  # one multipart-sized file
    first = data("copy", str(tmp_path / "src"), "--name", f"a-{source}", "--cloud", source,
                 "--bucket", unique_bucket(), cwd=cloud_project)
    assert first["copied"] == len(hashes)
    uri = mf.load_dataset(cloud_project, f"a-{source}").uri
    second = data("copy", uri, "--name", f"b-{target}", "--cloud", target, "--bucket", unique_bucket(),
                  cwd=cloud_project)
    assert second["copied"] == len(hashes) and second["server_side"] == 0
    copied = mf.load_dataset(cloud_project, f"b-{target}")
    assert {p: e.sha256 for p, e in copied.files.items()} == hashes
    assert copied.files["blob.bin"].source == f"{uri}blob.bin"
    assert pulled_hashes(cloud_project, f"b-{target}") == hashes


def test_same_cloud_copy_is_server_side(cloud_project, tmp_path):
    from tests.conformance import process_io_bytes

    hashes = make_dataset(tmp_path / "src", files=4, big=64 * 2**20)
    data("copy", str(tmp_path / "src"), "--name", "one", "--cloud", "aws", "--bucket", unique_bucket(),
         cwd=cloud_project)
    uri = mf.load_dataset(cloud_project, "one").uri
    project = config.load(cloud_project)
    before = process_io_bytes()
    summary = copy_dataset(project, CopyOptions("two", [uri], cloud="aws", bucket=unique_bucket()))
    moved = process_io_bytes() - before
    assert summary.server_side == summary.copied == len(hashes)
    # what does pass through: SDK service models read from disk, listings, octoup.toml, the manifest
    assert moved < 12 * 2**20, f"{moved:,} bytes went through this process for a 64 MiB server-side copy"
    assert pulled_hashes(cloud_project, "two") == hashes


class _KillAfter(Reporter):
    """Stops the copy's cloud once ``limit`` bytes have been written: a crash in the middle."""

    def __init__(self, limit: int, kill):
        self.limit, self.kill, self.moved = limit, kill, 0
        self.lock = threading.Lock()
        self.fired = False

    def advance(self, nbytes: int) -> None:
        with self.lock:
            self.moved += nbytes
            fire = self.moved >= self.limit and not self.fired
            self.fired = self.fired or fire
        if fire:
            self.kill()


def test_azurite_killed_mid_copy_then_rerun_finishes_without_redoing_work(
        cloud_project, tmp_path, service_logs, monkeypatch):
    """A private Azurite (its blobs on disk survive a restart) is killed half-way through a copy."""
    from tests.services import azurite_connection_string

    port, store = free_port(), tmp_path / "azurite-store"
    service = start_azurite(port, store, service_logs, name="azurite-fault")
    monkeypatch.setenv("AZURE_STORAGE_CONNECTION_STRING", azurite_connection_string(service))
    hashes = make_dataset(tmp_path / "src", files=40, big=48 * 2**20)
    project = config.load(cloud_project)
    options = CopyOptions("w", [str(tmp_path / "src")], cloud="azure", bucket=unique_bucket())
    try:
        with pytest.raises(Exception):  # noqa: B017 (whatever the SDK raises when the server dies)
            copy_dataset(project, options, _KillAfter(30 * 2**20, service.proc.terminate))
        recorded = dict(mf.load_dataset(cloud_project, "w").files)
        assert len(recorded) < len(hashes)
        assert all(e.sha256 == hashes[p] for p, e in recorded.items())  # only finished, verified files
        service = start_azurite(port, store, service_logs, name="azurite-fault-2")
        summary = copy_dataset(config.load(cloud_project), options)
        assert summary.skipped == len(recorded)
        assert summary.copied == len(hashes) - len(recorded)
        manifest = mf.load_dataset(cloud_project, "w")
        assert {p: e.sha256 for p, e in manifest.files.items()} == hashes
        assert pulled_hashes(cloud_project, "w") == hashes
    finally:
        service.stop()


def test_no_credentials_is_a_clear_error(cloud_project, tmp_path, monkeypatch):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    make_dataset(tmp_path / "src", files=1)
    result = run_octoup("data", "copy", str(tmp_path / "src"), "--cloud", "aws", "--bucket", unique_bucket(),
                        cwd=cloud_project, env={"AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
                                                "AWS_CONFIG_FILE": str(tmp_path / "none")})
    assert result.returncode == 2, result.stderr
    assert "credentials" in result.stderr.lower() and "Traceback" not in result.stderr
    assert not (cloud_project / "data/.octoup/src/manifest.json").exists()


def test_http_source_errors(cloud_project, http_server):
    missing = run_octoup("data", "copy", http_server.url("no-such-file.tar.gz"), cwd=cloud_project)
    assert missing.returncode == 2 and "no-such-file.tar.gz" in missing.stderr
    (http_server.root / "broken.tar.gz").write_bytes(b"\x1f\x8b\x08\x00not really gzip" * 100)
    broken = run_octoup("data", "copy", http_server.url("broken.tar.gz"), cwd=cloud_project)
    assert broken.returncode == 2 and "broken.tar.gz" in broken.stderr, broken.stderr
    assert "Traceback" not in broken.stderr
    manifest = mf.load_dataset(cloud_project, "broken")
    assert manifest.files == {}


@pytest.mark.parametrize("cloud", CLOUDS)
def test_path_shim_presigns_or_says_it_cannot(cloud_project, tmp_path, monkeypatch, cloud):
    import urllib.request

    import octoup.data
    from octoup.errors import OctoupError

    hashes = make_dataset(tmp_path / "src", files=1)
    data("copy", str(tmp_path / "src"), "--name", f"p-{cloud}", "--cloud", cloud, "--bucket", unique_bucket(),
         cwd=cloud_project)
    monkeypatch.chdir(cloud_project)
    assert octoup.data.path(f"p-{cloud}/penguins.csv").startswith(("s3://", "gs://", "az://"))
    with octoup.data.open(f"p-{cloud}/penguins.csv") as stream:
        assert hashlib.sha256(stream.read()).hexdigest() == hashes["penguins.csv"]
    if cloud == "gcp":
        with pytest.raises(OctoupError, match="cannot presign"):
            octoup.data.path(f"p-{cloud}/penguins.csv", presign=True)
        return
    url = octoup.data.path(f"p-{cloud}/penguins.csv", presign=True)
    assert url.startswith("http://127.0.0.1:")
    with urllib.request.urlopen(url) as response:  # a plain HTTP client, no credentials
        assert hashlib.sha256(response.read()).hexdigest() == hashes["penguins.csv"]

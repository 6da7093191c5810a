"""Data test fixtures: a project wired to the session's emulators, generated datasets, a file server."""

from __future__ import annotations

import hashlib
import random
import tarfile
import uuid
import zipfile
from pathlib import Path

import pytest

from tests.data.http_fixtures import http_server  # noqa: F401 (a fixture)
from tests.services import azurite_connection_string

PENGUINS = Path(__file__).resolve().parents[2] / "octoup" / "demo_data" / "penguins"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def make_dataset(folder: Path, files: int = 12, *, seed: int = 1, big: int = 0) -> dict[str, str]:
    """CSV and JSON-lines files of generated weather readings (plus the penguins CSV), in subfolders;
    returns path -> sha256. ``big`` adds one binary file of that many bytes (multipart territory)."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(files):
        station = f"station-{i:03d}"
        rows = "\n".join(f"2024-01-{d % 28 + 1:02d},{rng.gauss(12, 6):.2f},{rng.random():.3f}"
                         for d in range(rng.randint(50, 400)))
        sub = folder / ("csv" if i % 2 else "jsonl")
        sub.mkdir(exist_ok=True)
        if i % 2:
            (sub / f"{station}.csv").write_text("date,temp_c,humidity\n" + rows + "\n")
        else:
            lines = (f'{{"station": "{station}", "row": {n}, "v": {rng.random():.4f}}}' for n in range(200))
            (sub / f"{station}.jsonl").write_text("\n".join(lines) + "\n")
    (folder / "penguins.csv").write_bytes((PENGUINS / "penguins.csv").read_bytes())
    if big:
        (folder / "blob.bin").write_bytes(hashlib.shake_256(b"big").digest(big))
    return {p.relative_to(folder).as_posix(): sha256(p) for p in sorted(folder.rglob("*")) if p.is_file()}


def make_archive(source: Path, target: Path) -> Path:
    """``source``'s files as ``target`` (.tar.gz, .tar.zst, .zip, ...), member names relative."""
    files = sorted(p for p in source.rglob("*") if p.is_file())
    if target.name.endswith(".zip"):
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in files:
                archive.write(path, path.relative_to(source).as_posix())
        return target
    if target.name.endswith(".zst"):
        import zstandard

        with target.open("wb") as raw, zstandard.ZstdCompressor().stream_writer(raw) as packed, \
                tarfile.open(fileobj=packed, mode="w|") as archive:
            for path in files:
                archive.add(path, path.relative_to(source).as_posix())
        return target
    mode = {".gz": "w:gz", ".tgz": "w:gz", ".bz2": "w:bz2", ".xz": "w:xz", ".tar": "w"}[target.suffix]
    with tarfile.open(target, mode) as archive:
        for path in files:
            archive.add(path, path.relative_to(source).as_posix())
    return target


def unique_bucket() -> str:
    return f"octoup-data-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def project(isolated) -> Path:
    """An octoup project on the local provider (buckets under the test's own store)."""
    (isolated / "octoup.toml").write_text('[project]\nname = "weather"\ndefault_cloud = "local"\n')
    return isolated


@pytest.fixture
def cloud_project(isolated, moto_server, gcs_emulator, azurite, monkeypatch) -> Path:
    """A project whose aws, gcp and azure clouds are the session's moto, GCS emulator and Azurite."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing-secret-key")
    monkeypatch.setenv("AZURE_STORAGE_CONNECTION_STRING", azurite_connection_string(azurite))
    for name in ("AWS_PROFILE", "STORAGE_EMULATOR_HOST", "GOOGLE_APPLICATION_CREDENTIALS",
                 "AZURE_STORAGE_ACCOUNT", "AZURE_STORAGE_KEY"):
        monkeypatch.delenv(name, raising=False)
    (isolated / "octoup.toml").write_text(
        '[project]\nname = "weather"\ndefault_cloud = "local"\n\n'
        f'[clouds.aws]\nendpoint_url = "{moto_server.url}"\nregion = "us-east-1"\n\n'
        f'[clouds.gcp]\nendpoint_url = "{gcs_emulator.url}"\n'
    )
    return isolated

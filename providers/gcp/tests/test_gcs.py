"""GCS-specific behaviour: labels, composite uploads, credentials, error mapping."""

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import google_crc32c
import pytest
from octoup_gcp import adaptor, crc
from octoup_gcp.settings import GcpSettings
from octoup_gcp.storage import CREDENTIALS_HINT, TEMP_PREFIX, GcsStorage

from octoup.errors import (
    BucketNotFound,
    BucketNotOwned,
    ChecksumMismatch,
    CredentialsError,
    ObjectNotFound,
    StorageError,
)
from tests.conformance import random_bytes, unique_bucket_name


@pytest.fixture
def storage(gcs_emulator, monkeypatch):
    monkeypatch.delenv("STORAGE_EMULATOR_HOST", raising=False)
    return GcsStorage(GcpSettings(endpoint_url=gcs_emulator.url), project="Octoup Tests")


@pytest.fixture
def bucket(storage):
    name = unique_bucket_name()
    storage.ensure_bucket(name)
    return name


@pytest.fixture
def no_adc(monkeypatch, tmp_path):
    """No emulator, no credentials anywhere, and google.auth never asks the metadata server."""
    from google.auth.compute_engine import _metadata

    for name in ("STORAGE_EMULATOR_HOST", "GOOGLE_APPLICATION_CREDENTIALS", "GOOGLE_CLOUD_PROJECT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(tmp_path / "gcloud"))
    monkeypatch.setenv("NO_GCE_CHECK", "true")
    monkeypatch.setenv("GCE_METADATA_HOST", "127.0.0.1:9")
    monkeypatch.setattr(_metadata, "_NO_GCE_CHECK", True)  # read when google.auth is imported

    pings = []
    monkeypatch.setattr(_metadata, "ping", lambda *args, **kwargs: pings.append(args) or False)
    yield tmp_path
    assert pings == [], "the GCE metadata server was asked"


def test_provider_is_registered_and_imports_google_only_when_used():
    code = ("import sys; from octoup import registry; store = registry.storage('gcp'); "
            "assert type(store).__name__ == 'GcsStorage' and store.settings.project is None; "
            "assert not [m for m in sys.modules if m.startswith('google')]")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_crc32c_combine_matches_whole_data():
    whole = 0
    data = b""
    for size in (0, 1, 1000, 65536, 0, 3):
        part = random_bytes(size, seed=size)
        whole = crc.combine(whole, google_crc32c.value(part), len(part))
        data += part
        assert whole == google_crc32c.value(data)
    assert crc.to_base64(google_crc32c.value(b"hello")) == "mnG7TA=="


def test_labels_are_sanitised_and_reported_as_stored(storage):
    name = unique_bucket_name()
    tags = {"Cost Center": "R&D / Data", "9lives": "x" * 70}
    first = storage.ensure_bucket(name, tags=tags)
    expected = {"octoup-project": "octoup-tests", "cost-center": "r-d---data", "x-9lives": "x" * 63}
    assert first.created and dict(first.tags) == expected
    second = storage.ensure_bucket(name, tags=tags)
    assert not second.created and dict(second.tags) == expected


def test_new_bucket_cleans_temporary_parts_and_is_private(storage, bucket):
    gcs_bucket = storage.client.get_bucket(bucket)
    rules = list(gcs_bucket.lifecycle_rules)
    assert {"action": {"type": "Delete"},
            "condition": {"age": 7, "matchesPrefix": [TEMP_PREFIX]}} in rules
    assert gcs_bucket.iam_configuration.public_access_prevention == "enforced"
    assert gcs_bucket.iam_configuration.uniform_bucket_level_access_enabled


def test_composite_upload_of_more_than_32_parts_out_of_order(storage, bucket):
    parts = [random_bytes(1000 + n, seed=n) for n in range(70)]
    writer = storage.begin_multipart(bucket, "composite.bin", {"octoup-sha256": "abc"})
    with ThreadPoolExecutor(8) as pool:
        tokens = list(pool.map(writer.upload_part, reversed(range(1, 71)), reversed(parts)))
    assert [o.key for o in storage.list(bucket)] == []  # parts are hidden
    assert [u.key for u in storage.list_incomplete(bucket)] == ["composite.bin"]
    assert storage.list_incomplete(bucket, "other/") == []
    info = writer.complete(tokens[::-1])
    data = b"".join(parts)
    assert info.size == len(data) and info.metadata == {"octoup-sha256": "abc"}
    assert info.checksums["crc32c"] == crc.to_base64(google_crc32c.value(data))
    assert storage.read(bucket, "composite.bin") == data
    assert list(storage.client.list_blobs(bucket, prefix=TEMP_PREFIX)) == []
    assert [o.key for o in storage.list(bucket)] == ["composite.bin"]


@pytest.mark.parametrize("size", [10, 9 * 2**20])  # one request; a resumable upload above 8 MiB
def test_put_refuses_a_body_whose_crc32c_differs(storage, bucket, monkeypatch, size):
    real = adaptor.crc32c
    monkeypatch.setattr(adaptor, "crc32c", lambda data: real(data) ^ 1)
    with pytest.raises(ChecksumMismatch):
        storage.put(bucket, "corrupt.bin", random_bytes(size))
    with pytest.raises(ObjectNotFound):
        storage.stat(bucket, "corrupt.bin")


def test_copy_follows_the_rewrite_token(storage, bucket, monkeypatch):
    from google.cloud.storage import Blob

    storage.put(bucket, "src.txt", b"data", metadata={"k": "v"})
    real, tokens = Blob.rewrite, []

    def rewrite(self, source, token=None, **kwargs):
        tokens.append(token)
        if token is None:
            return "more", 0, 4  # GCS: not done yet, call again with this token
        return real(self, source, **kwargs)

    monkeypatch.setattr(Blob, "rewrite", rewrite)
    copied = storage.copy(bucket, "src.txt", bucket, "dst.txt")
    assert tokens == [None, "more"]
    assert copied.metadata == {"k": "v"} and storage.read(bucket, "dst.txt") == b"data"


def test_missing_bucket_is_told_apart_from_missing_object(storage, bucket):
    missing = unique_bucket_name()
    for call in (storage.stat, storage.read):
        with pytest.raises(BucketNotFound):
            call(missing, "x.txt")
        with pytest.raises(ObjectNotFound):
            call(bucket, "x.txt")
    with pytest.raises(BucketNotFound):
        storage.delete(missing, "x.txt")
    with pytest.raises(BucketNotFound):
        storage.put(missing, "x.txt", b"x")


def test_emulator_host_from_environment(gcs_emulator, monkeypatch):
    monkeypatch.setenv("STORAGE_EMULATOR_HOST", f"127.0.0.1:{gcs_emulator.port}")
    storage = GcsStorage(GcpSettings())
    status = storage.check_credentials()
    assert status.ok and status.source == f"anonymous (emulator at {gcs_emulator.url})"
    name = unique_bucket_name()
    assert storage.ensure_bucket(name).created


def test_error_translation(storage):
    import requests
    from google.api_core import exceptions as api

    assert isinstance(storage._translate(api.Forbidden("no"), "b", None), BucketNotOwned)
    for exc in (api.Forbidden("no"), api.Unauthorized("no")):
        error = storage._translate(exc, "b", "k")
        assert isinstance(error, CredentialsError) and error.hint == CREDENTIALS_HINT
    error = storage._translate(requests.ConnectionError("refused"), "b", "k")
    assert type(error) is StorageError and storage.endpoint in error.message
    assert "clouds.gcp.endpoint_url" in error.hint


def test_no_credentials_says_what_to_set(no_adc):
    status = GcsStorage(GcpSettings()).check_credentials()
    assert not status.ok and status.source == "no Google Cloud credentials found"
    assert status.hint == CREDENTIALS_HINT
    assert "GOOGLE_APPLICATION_CREDENTIALS" in status.hint and "gcloud auth" in status.hint
    with pytest.raises(CredentialsError) as info:
        GcsStorage(GcpSettings()).stat("bucket", "key")
    assert info.value.hint == CREDENTIALS_HINT


def test_broken_key_file_is_reported_without_its_content(no_adc, monkeypatch):
    key_file = no_adc / "key.json"
    key_file.write_text(json.dumps({"type": "service_account", "private_key": "SECRET-KEY"}))
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(key_file))
    status = GcsStorage(GcpSettings()).check_credentials()
    assert not status.ok and "GOOGLE_APPLICATION_CREDENTIALS" in status.source
    assert "SECRET" not in f"{status.source} {status.hint}"


def test_service_account_key_file_is_found(no_adc, monkeypatch):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    pem = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()).decode()
    key_file = no_adc / "key.json"
    key_file.write_text(json.dumps({
        "type": "service_account", "project_id": "my-project", "private_key_id": "abc",
        "private_key": pem, "client_email": "octoup@my-project.iam.gserviceaccount.com",
        "client_id": "1", "token_uri": "https://oauth2.googleapis.com/token"}))
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(key_file))
    status = GcsStorage(GcpSettings()).check_credentials()
    assert status.ok, status
    assert status.source == "service account (GOOGLE_APPLICATION_CREDENTIALS), project my-project"
    assert "PRIVATE" not in status.source and os.fspath(key_file) not in status.source

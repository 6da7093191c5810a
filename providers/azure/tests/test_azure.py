"""Azure-only behaviour: the credential chain, secrets, metadata keys, block-blob uploads."""

import base64
import hashlib
import logging
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from octoup_azure import adaptor
from octoup_azure import storage as storage_module
from octoup_azure.settings import AzureSettings
from octoup_azure.storage import CREDENTIALS_HINT, AzureBlobStorage

from octoup import secrets
from octoup.errors import (
    ChecksumMismatch,
    CredentialsError,
    MissingDependency,
    ObjectNotFound,
    StorageError,
)
from tests.conformance import random_bytes, unique_bucket_name
from tests.services import AZURITE_KEY, free_port

WRONG_KEY = base64.b64encode(b"not the azurite key, but valid base64 of 64 bytes" + b"\0" * 14).decode()


@pytest.fixture
def storage(azurite_env):
    return AzureBlobStorage(AzureSettings(), project="demo")


@pytest.fixture
def bucket(storage):
    name = unique_bucket_name()
    storage.ensure_bucket(name)
    return name


# -- credentials -------------------------------------------------------------------------------


def test_wrong_key_is_a_credentials_error_that_never_shows_the_key(azurite_env, monkeypatch, caplog):
    monkeypatch.setenv("AZURE_STORAGE_CONNECTION_STRING", azurite_env.replace(AZURITE_KEY, WRONG_KEY))
    caplog.set_level(logging.DEBUG)
    store = AzureBlobStorage(AzureSettings())
    with pytest.raises(CredentialsError) as info:
        store.ensure_bucket(unique_bucket_name())
    error = info.value
    assert error.hint == CREDENTIALS_HINT
    assert "Azure rejected the credentials" in error.message
    assert "Authorization" in caplog.text  # the SDK logged the request it signed
    for text in (error.message, str(error), repr(error), caplog.text):
        assert WRONG_KEY not in text
    assert error.__cause__ is None and error.__suppress_context__
    assert secrets.redact(f"key={WRONG_KEY}") == "key=***"


def test_nothing_set_says_what_to_set(no_azure_env):
    store = AzureBlobStorage(AzureSettings())
    status = store.check_credentials()
    assert not status.ok and status.source == "no Azure credentials found"
    assert status.hint == CREDENTIALS_HINT
    with pytest.raises(CredentialsError) as info:
        store.stat("some-container", "key")
    assert info.value.hint == CREDENTIALS_HINT


def test_connection_string_source_is_named_without_the_key(azurite_env, azurite):
    status = AzureBlobStorage(AzureSettings()).check_credentials()
    assert status.ok
    assert "AZURE_STORAGE_CONNECTION_STRING" in status.source and azurite.url in status.source
    assert AZURITE_KEY not in status.source


def test_connection_string_from_another_variable(azurite_env, monkeypatch, bucket):
    monkeypatch.delenv("AZURE_STORAGE_CONNECTION_STRING")
    monkeypatch.setenv("MY_AZURE", azurite_env)
    store = AzureBlobStorage(AzureSettings(connection_string_env="MY_AZURE"))
    assert "MY_AZURE" in store.check_credentials().source
    assert list(store.list(bucket)) == []
    assert secrets.redact(azurite_env) == "***"


def test_account_and_key_with_endpoint_url(azurite, monkeypatch, bucket):
    monkeypatch.delenv("AZURE_STORAGE_CONNECTION_STRING")
    monkeypatch.setenv("AZURE_STORAGE_ACCOUNT", "devstoreaccount1")
    monkeypatch.setenv("AZURE_STORAGE_KEY", AZURITE_KEY)
    store = AzureBlobStorage(AzureSettings(endpoint_url=f"{azurite.url}/devstoreaccount1"))
    assert store.check_credentials().source.startswith("AZURE_STORAGE_KEY for account devstoreaccount1")
    store.put(bucket, "k.txt", b"hello")
    assert store.read(bucket, "k.txt") == b"hello"


def test_sas_token_credentials_copy_server_side(azurite, monkeypatch, bucket):
    blob = adaptor.blob()
    sas = blob.generate_account_sas(
        "devstoreaccount1", AZURITE_KEY, blob.ResourceTypes(container=True, object=True),
        blob.AccountSasPermissions(read=True, write=True, create=True, list=True),
        datetime.now(UTC) + timedelta(hours=1))
    monkeypatch.delenv("AZURE_STORAGE_CONNECTION_STRING")
    monkeypatch.setenv("AZURE_STORAGE_SAS_TOKEN", sas)
    store = AzureBlobStorage(AzureSettings(account="devstoreaccount1",
                                           endpoint_url=f"{azurite.url}/devstoreaccount1"))
    assert store.check_credentials().source.startswith("AZURE_STORAGE_SAS_TOKEN")
    store.put(bucket, "src.txt", b"copied by the service")
    assert store.copy(bucket, "src.txt", bucket, "dst.txt").size == 21
    assert store.read(bucket, "dst.txt") == b"copied by the service"
    assert secrets.redact(sas) == "***"


def test_sas_token_then_identity_need_an_account(no_azure_env, monkeypatch):
    monkeypatch.setattr(adaptor, "identity_available", lambda: True)
    monkeypatch.setenv("AZURE_STORAGE_SAS_TOKEN", "?sv=2024&sig=secret-signature")
    assert not AzureBlobStorage(AzureSettings()).check_credentials().ok
    status = AzureBlobStorage(AzureSettings(account="acct")).check_credentials()
    assert status.ok and status.source.startswith("AZURE_STORAGE_SAS_TOKEN for account acct")
    assert "secret-signature" not in status.source
    monkeypatch.delenv("AZURE_STORAGE_SAS_TOKEN")
    status = AzureBlobStorage(AzureSettings(account="acct")).check_credentials()
    assert status.ok and "DefaultAzureCredential" in status.source  # constructed only when used


def test_unusable_connection_string_is_reported(no_azure_env, monkeypatch):
    monkeypatch.setenv("AZURE_STORAGE_CONNECTION_STRING", "UseDevelopmentStorage=true")
    status = AzureBlobStorage(AzureSettings()).check_credentials()
    assert not status.ok and "AZURE_STORAGE_CONNECTION_STRING" in status.source


def test_unreachable_endpoint_names_it(azurite_env, monkeypatch):
    monkeypatch.setattr(storage_module, "RETRY", {"retry_total": 0})
    url = f"http://127.0.0.1:{free_port()}/devstoreaccount1"
    with pytest.raises(StorageError) as info:
        AzureBlobStorage(AzureSettings(endpoint_url=url)).stat("some-container", "key")
    assert url in info.value.message and "clouds.azure.endpoint_url" in info.value.hint


# -- metadata and tags ---------------------------------------------------------------------------


def test_tag_and_metadata_keys_are_stored_as_identifiers_and_read_back(storage):
    name = unique_bucket_name()
    tags = {"cost_center": "42", "team-name": "data"}
    created = storage.ensure_bucket(name, tags=tags)
    raw = storage.client.get_container_client(name).get_container_properties().metadata
    assert raw == {"octoup_project": "demo", "cost__center": "42", "team_name": "data"}
    assert created.tags == storage.ensure_bucket(name).tags == {"octoup-project": "demo", **tags}
    storage.put(name, "m.txt", b"x", metadata={"octoup-sha256": "abc", "a_b-c": "d"})
    assert storage.stat(name, "m.txt").metadata == {"octoup-sha256": "abc", "a_b-c": "d"}


@pytest.mark.parametrize("key", ["has.dot", "1starts-with-digit", "-_", "sp ace"])
def test_keys_azure_cannot_store_are_refused_before_any_request(key, no_azure_env):
    store = AzureBlobStorage(AzureSettings())  # no credentials: any request would fail otherwise
    with pytest.raises(StorageError, match="cannot store"):
        store.begin_multipart("bucket", "key", metadata={key: "v"})


# -- objects --------------------------------------------------------------------------------------


def test_listing_walks_every_page(storage, bucket, monkeypatch):
    monkeypatch.setattr(storage_module, "LIST_PAGE_SIZE", 2)
    keys = [f"p/{i}.txt" for i in range(5)]
    for key in keys:
        storage.put(bucket, key, b"x")
    assert [o.key for o in storage.list(bucket, "p/")] == keys


def test_put_stores_md5_and_multipart_blob_has_none(storage, bucket):
    data = b"hello azure"
    md5 = {"md5": hashlib.md5(data).hexdigest()}
    assert storage.put(bucket, "one.txt", data).checksums == md5
    assert storage.stat(bucket, "one.txt").checksums == md5
    writer = storage.begin_multipart(bucket, "multi.bin", metadata={"octoup-sha256": "s"})
    parts = [writer.upload_part(n, random_bytes(1000, seed=n)) for n in (1, 2)]
    info = writer.complete(parts)
    assert info.size == 2000 and info.checksums == {} and info.metadata == {"octoup-sha256": "s"}
    assert storage.read(bucket, "multi.bin") == random_bytes(1000, seed=1) + random_bytes(1000, seed=2)


def test_abort_never_destroys_an_existing_blob(storage, bucket):
    storage.put(bucket, "keep.bin", b"original")
    writer = storage.begin_multipart(bucket, "keep.bin")
    writer.upload_part(1, b"replacement")
    writer.abort()
    assert storage.read(bucket, "keep.bin") == b"original"
    assert storage.list_incomplete(bucket) == []  # Azure drops those blocks itself after 7 days


def test_crashed_upload_reports_its_upload_id(storage, bucket):
    writer = storage.begin_multipart(bucket, "crashed.bin")
    writer.upload_part(1, b"part")
    [upload] = storage.list_incomplete(bucket)
    assert upload.upload_id == f"octoup-{writer.upload_id}" and upload.started is not None
    storage.abort_incomplete(bucket, upload)
    with pytest.raises(ObjectNotFound):
        storage.stat(bucket, "crashed.bin")


# -- packaging -------------------------------------------------------------------------------------


def test_importing_the_provider_does_not_import_the_sdk():
    code = ("import sys, octoup_azure, octoup_azure.storage; octoup_azure.provider_info(); "
            "assert not [m for m in sys.modules if m.startswith('azure')], sorted(sys.modules)")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_missing_sdk_names_the_package(monkeypatch):
    adaptor.blob.cache_clear()
    monkeypatch.setitem(sys.modules, "azure.storage.blob", None)
    try:
        with pytest.raises(MissingDependency, match="azure-storage-blob"):
            adaptor.blob()
    finally:
        adaptor.blob.cache_clear()


def test_the_service_checks_each_put_against_its_content_md5(storage, bucket, monkeypatch):
    """A body that does not match the MD5 sent with it is refused and never stored."""

    real_md5 = hashlib.md5

    class WrongMd5:
        def __init__(self, data):
            self.data = data

        def digest(self):
            return real_md5(self.data + b"corrupted in transit").digest()

    monkeypatch.setattr(storage_module.hashlib, "md5", WrongMd5)
    with pytest.raises(ChecksumMismatch):
        storage.put(bucket, "corrupt.bin", b"payload")
    with pytest.raises(ObjectNotFound):
        storage.stat(bucket, "corrupt.bin")

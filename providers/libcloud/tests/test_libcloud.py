"""What the conformance suite does not cover: configuration, credentials, errors, secrets."""

import io
import subprocess
import sys

import pytest
from libcloud.common.types import InvalidCredsError, LibcloudError
from libcloud.storage.types import ContainerDoesNotExistError, ObjectDoesNotExistError
from octoup_libcloud.settings import LibcloudSettings
from octoup_libcloud.storage import LibcloudStorage

from octoup import registry
from octoup.errors import (
    BucketNotFound,
    CredentialsError,
    ObjectNotFound,
    OctoupError,
    StorageError,
)
from octoup.provider import Capability, MiB
from octoup.secrets import redact
from tests.conformance import random_bytes, unique_bucket_name
from tests.services import free_port

SECRET = "s3cr3t-value-that-must-never-print"


@pytest.fixture
def env(monkeypatch):
    monkeypatch.setenv("OCTOUP_LIBCLOUD_KEY", "testing")
    monkeypatch.setenv("OCTOUP_LIBCLOUD_SECRET", SECRET)


@pytest.fixture
def s3(moto_server, env):
    return LibcloudStorage(LibcloudSettings(endpoint_url=moto_server.url, region="us-east-1"))


def test_registered_and_lazy():
    assert registry.get("libcloud").storage == "octoup_libcloud.storage:LibcloudStorage"
    code = ("import sys, octoup_libcloud, octoup_libcloud.settings; "
            "octoup_libcloud.provider_info(); assert 'libcloud' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_uri_names_the_driver():
    storage = LibcloudStorage(LibcloudSettings(driver="minio"))
    assert storage.uri("data", "raw/a.csv") == "libcloud+minio://data/raw/a.csv"


def test_unknown_driver_is_a_clear_error():
    storage = LibcloudStorage(LibcloudSettings(driver="nimbus-cloud"))
    with pytest.raises(OctoupError) as info:
        storage.ensure_bucket("some-bucket")
    assert "nimbus-cloud" in info.value.message
    assert "minio" in info.value.hint and "azure_blobs" in info.value.hint
    assert "libcloud.storage.types.Provider" in info.value.hint
    status = storage.check_credentials()
    assert not status.ok and "nimbus-cloud" in status.source


def test_credentials_status_with_nothing_set(monkeypatch):
    monkeypatch.delenv("OCTOUP_LIBCLOUD_KEY", raising=False)
    monkeypatch.delenv("OCTOUP_LIBCLOUD_SECRET", raising=False)
    status = LibcloudStorage(LibcloudSettings(driver="backblaze_b2")).check_credentials()
    assert not status.ok
    assert "OCTOUP_LIBCLOUD_KEY" in status.source and "OCTOUP_LIBCLOUD_SECRET" in status.source
    assert "OCTOUP_LIBCLOUD_KEY" in status.hint and "'backblaze_b2'" in status.hint
    with pytest.raises(CredentialsError) as info:
        LibcloudStorage(LibcloudSettings()).stat("bucket", "key")
    assert "OCTOUP_LIBCLOUD_SECRET" in info.value.hint


def test_credentials_status_names_the_variables_found(monkeypatch):
    monkeypatch.setenv("MY_KEY", "key-id")
    monkeypatch.setenv("MY_SECRET", SECRET)
    settings = LibcloudSettings(driver="minio", key_env="MY_KEY", secret_env="MY_SECRET",
                                endpoint_url="https://minio.example:9000")
    status = LibcloudStorage(settings).check_credentials()
    assert status.ok and "MY_KEY" in status.source and "minio.example" in status.source
    assert SECRET not in f"{status.source} {status.hint}"
    assert redact(f"leak {SECRET}") == "leak ***"  # registered even under another variable name


def test_capabilities_follow_the_driver():
    s3 = LibcloudStorage(LibcloudSettings(driver="minio")).capabilities
    assert {Capability.MULTIPART, Capability.SERVER_SIDE_COPY, Capability.RANGED_READ} <= s3
    azure = LibcloudStorage(LibcloudSettings(driver="azure_blobs")).capabilities
    assert azure == {Capability.STORAGE, Capability.RANGED_READ}
    assert LibcloudStorage(LibcloudSettings(driver="backblaze_b2")).capabilities == {
        Capability.STORAGE}
    gcs = LibcloudStorage(LibcloudSettings(driver="google_storage")).capabilities
    assert Capability.MULTIPART not in gcs  # x-goog API: no S3 multipart in libcloud
    assert all(Capability.BUCKET_TAGS not in c for c in (s3, azure, gcs))


@pytest.mark.parametrize(("raised", "expected"), [
    (ContainerDoesNotExistError("gone", None, "b"), BucketNotFound),
    (ObjectDoesNotExistError("gone", None, "k"), ObjectNotFound),
    (InvalidCredsError(f"<Error>{SECRET}</Error>"), CredentialsError),
    (LibcloudError(f"boom with {SECRET} inside"), StorageError),
])
def test_libcloud_errors_become_octoup_errors_without_secrets(env, raised, expected):
    storage = LibcloudStorage(LibcloudSettings())
    with pytest.raises(expected) as info, storage._errors("libcloud+s3://b/k"):
        storage.driver  # noqa: B018 - reads the secret, registering it
        raise raised
    assert SECRET not in str(info.value)
    if expected is CredentialsError:
        assert "OCTOUP_LIBCLOUD_KEY" in info.value.hint


def test_unreachable_endpoint_names_it_and_hides_the_secret(env):
    url = f"http://127.0.0.1:{free_port()}"
    storage = LibcloudStorage(LibcloudSettings(driver="minio", endpoint_url=url))
    with pytest.raises(StorageError) as info:
        storage.stat("bucket", "key")
    assert url in info.value.message and SECRET not in str(info.value)


def test_bad_driver_option_is_a_clear_error(env):
    storage = LibcloudStorage(LibcloudSettings(region="mars-north-1"))
    with pytest.raises(OctoupError) as info:
        storage.stat("bucket", "key")
    assert "Cannot set up the libcloud 's3' driver" in info.value.message
    assert "mars-north-1" in info.value.message and SECRET not in str(info.value)


def test_region_signs_and_places_buckets(env):
    driver = LibcloudStorage(LibcloudSettings(driver="minio", region="eu-west-1",
                                              endpoint_url="http://127.0.0.1:9")).driver
    assert driver.region_name == "eu-west-1" and driver.ex_location_name == "eu-west-1"


def test_tags_are_not_applied(s3):
    info = s3.ensure_bucket(unique_bucket_name(), tags={"purpose": "x"})
    assert info.created and info.tags == {}


def test_copy_in_parts_keeps_bytes_and_metadata(s3):
    bucket = unique_bucket_name()
    s3.ensure_bucket(bucket)
    data = random_bytes(11 * MiB, seed=3)
    s3.upload_stream(bucket, "src.bin", io.BytesIO(data), metadata={"octoup-sha256": "abc"})
    s3._copy_in_parts(f"/{bucket}/src.bin", s3.stat(bucket, "src.bin"), bucket, "dst.bin",
                      part_size=5 * MiB)
    assert s3.read(bucket, "dst.bin") == data
    assert s3.stat(bucket, "dst.bin").metadata == {"octoup-sha256": "abc"}
    assert s3.list_incomplete(bucket) == []


def test_read_without_ranged_get_slices_the_object(s3):
    bucket = unique_bucket_name()
    s3.ensure_bucket(bucket)
    s3.put(bucket, "a.bin", b"0123456789")
    s3.capabilities = frozenset({Capability.STORAGE})  # as for a driver without ranged GET
    assert s3.read(bucket, "a.bin", 2, 3) == b"234"
    assert s3.read(bucket, "a.bin", 7) == b"789"
    assert s3.read(bucket, "a.bin", 0, 3) == b"012"


"""S3 behaviour beyond the shared suite: credentials, errors, large server-side copies, tags."""

import io

import pytest
from octoup_aws import storage as s3
from octoup_aws.settings import AwsSettings
from octoup_aws.storage import S3Storage

from octoup.errors import CredentialsError, StorageError
from tests.conformance import process_io_bytes, random_bytes, unique_bucket_name
from tests.services import _bin, free_port, start

SECRET = "definitely-wrong-secret-key-value"


@pytest.fixture
def no_aws_env(monkeypatch, tmp_path):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture
def storage(moto_server, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing-secret-key")
    return S3Storage(AwsSettings(endpoint_url=moto_server.url, region="us-east-1"), project="p1")


@pytest.fixture(scope="module")
def authenticating_moto(tmp_path_factory):
    """A second moto server that checks access keys like AWS does."""
    port = free_port()
    service = start("moto-auth", [_bin("moto_server"), "-H", "127.0.0.1", "-p", str(port)], port,
                    tmp_path_factory.mktemp("moto-auth"), env={"INITIAL_NO_AUTH_ACTION_COUNT": "0"})
    yield service
    service.stop()


def test_missing_credentials_say_what_to_set(no_aws_env, moto_server):
    adapter = S3Storage(AwsSettings(endpoint_url=moto_server.url))
    status = adapter.check_credentials()
    assert not status.ok and "AWS_ACCESS_KEY_ID" in status.hint
    with pytest.raises(CredentialsError) as info:
        adapter.ensure_bucket(unique_bucket_name())
    assert "No AWS credentials found." in info.value.message


def test_wrong_credentials_are_one_clear_message_without_the_secret(authenticating_moto,
                                                                    monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAWRONGWRONGWRONG")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    adapter = S3Storage(AwsSettings(endpoint_url=authenticating_moto.url))
    with pytest.raises(CredentialsError) as info:
        adapter.ensure_bucket(unique_bucket_name())
    assert "AWS rejected the credentials" in info.value.message
    assert SECRET not in str(info.value)


def test_unreachable_endpoint_names_it(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing-secret-key")
    adapter = S3Storage(AwsSettings(endpoint_url=f"http://127.0.0.1:{free_port()}"))
    adapter.client.meta.config.retries = {"max_attempts": 1}
    with pytest.raises(StorageError) as info:
        adapter.stat("some-bucket", "key")
    assert "Cannot reach S3 at http://127.0.0.1:" in info.value.message


def test_bucket_is_tagged_and_gets_a_cleanup_rule(storage):
    name = unique_bucket_name()
    info = storage.ensure_bucket(name, tags={"team": "ml"})
    assert info.tags == {"octoup-project": "p1", "team": "ml"}
    rules = storage.client.get_bucket_lifecycle_configuration(Bucket=name)["Rules"]
    assert rules[0]["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"] == 7


def test_copies_above_the_copy_object_limit_use_parallel_upload_part_copy(storage, monkeypatch):
    bucket = unique_bucket_name()
    storage.ensure_bucket(bucket)
    data = random_bytes(12 * 2**20 + 5, seed=9)
    storage.upload_stream(bucket, "big.bin", io.BytesIO(data))
    monkeypatch.setattr(s3, "COPY_OBJECT_LIMIT", 8 * 2**20)
    monkeypatch.setattr(s3, "COPY_PART_SIZE", 5 * 2**20)
    before = process_io_bytes()
    info = storage.copy(bucket, "big.bin", bucket, "copy.bin")
    assert process_io_bytes() - before < 2**20
    assert info.etag.endswith("-3")
    assert storage.read(bucket, "copy.bin") == data
    assert storage.list_incomplete(bucket) == []

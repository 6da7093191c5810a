"""The S3 adapter runs the shared storage conformance suite against a real moto server."""

import pytest
from octoup_aws.settings import AwsSettings
from octoup_aws.storage import S3Storage

from tests.conformance import StorageConformance, unique_bucket_name


@pytest.fixture
def aws_env(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing-secret-key")
    monkeypatch.delenv("AWS_PROFILE", raising=False)


class TestS3Storage(StorageConformance):
    @pytest.fixture
    def storage(self, moto_server, aws_env):
        return S3Storage(AwsSettings(endpoint_url=moto_server.url, region="us-east-1"),
                         project="conformance")

    @pytest.fixture
    def fresh_bucket_name(self):
        return unique_bucket_name


class TestS3StorageWithContentMD5(TestS3Storage):
    """The same suite with Content-MD5 instead of CRC32, for older S3-compatible stores."""

    @pytest.fixture
    def storage(self, moto_server, aws_env):
        return S3Storage(AwsSettings(endpoint_url=moto_server.url, region="us-east-1",
                                     checksum="md5"), project="conformance")

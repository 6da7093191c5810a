"""The libcloud adapter runs the shared storage conformance suite against real local servers.

* moto through libcloud's generic ``s3`` driver (signature v4, region us-east-1) and through its
  ``minio`` driver: the S3-API route, with multipart, server-side copy and ``?uploads`` listing;
* Azurite through ``azure_blobs``: the portable route every non-S3 driver takes (one upload
  request per object, copies streamed through this process).
"""

import pytest
from octoup_libcloud.settings import LibcloudSettings
from octoup_libcloud.storage import LibcloudStorage

from tests.conformance import StorageConformance, unique_bucket_name
from tests.services import AZURITE_ACCOUNT, AZURITE_KEY


@pytest.fixture
def libcloud_env(monkeypatch):
    monkeypatch.setenv("OCTOUP_LIBCLOUD_KEY", "testing")
    monkeypatch.setenv("OCTOUP_LIBCLOUD_SECRET", "testing-secret-key")


class TestLibcloudS3(StorageConformance):
    @pytest.fixture
    def storage(self, moto_server, libcloud_env):
        return LibcloudStorage(LibcloudSettings(driver="s3", endpoint_url=moto_server.url,
                                                region="us-east-1"), project="conformance")

    @pytest.fixture
    def fresh_bucket_name(self):
        return unique_bucket_name


class TestLibcloudMinio(TestLibcloudS3):
    """The same moto server through the ``minio`` driver: the route for MinIO, Ceph, Wasabi..."""

    @pytest.fixture
    def storage(self, moto_server, libcloud_env):
        return LibcloudStorage(LibcloudSettings(driver="minio", endpoint_url=moto_server.url),
                               project="conformance")


class TestLibcloudAzurite(StorageConformance):
    server_side_copy_is_remote = False  # libcloud has no portable copy: it is streamed

    @pytest.fixture
    def storage(self, azurite, monkeypatch):
        monkeypatch.setenv("OCTOUP_LIBCLOUD_KEY", AZURITE_ACCOUNT)
        monkeypatch.setenv("OCTOUP_LIBCLOUD_SECRET", AZURITE_KEY)
        return LibcloudStorage(LibcloudSettings(driver="azure_blobs", endpoint_url=azurite.url),
                               project="conformance")

    @pytest.fixture
    def fresh_bucket_name(self):
        return unique_bucket_name

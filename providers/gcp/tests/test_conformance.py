"""The GCS adapter runs the shared storage conformance suite against a real gcp-storage-emulator."""

import pytest
from octoup_gcp.settings import GcpSettings
from octoup_gcp.storage import GcsStorage

from tests.conformance import StorageConformance, unique_bucket_name


@pytest.fixture
def gcp_env(monkeypatch):
    monkeypatch.delenv("STORAGE_EMULATOR_HOST", raising=False)
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)


class TestGcsStorage(StorageConformance):
    """Default settings: large files go up as one resumable upload."""

    @pytest.fixture
    def storage(self, gcs_emulator, gcp_env):
        return GcsStorage(GcpSettings(endpoint_url=gcs_emulator.url), project="conformance")

    @pytest.fixture
    def fresh_bucket_name(self):
        return unique_bucket_name


class TestGcsCompositeStorage(TestGcsStorage):
    """The same suite with parallel composite uploads switched on."""

    @pytest.fixture
    def storage(self, gcs_emulator, gcp_env):
        return GcsStorage(GcpSettings(endpoint_url=gcs_emulator.url, composite_uploads=True),
                          project="conformance")

"""The Azure Blob adapter runs the shared storage conformance suite against a real Azurite."""

import pytest
from octoup_azure.settings import AzureSettings
from octoup_azure.storage import AzureBlobStorage

from tests.conformance import StorageConformance, unique_bucket_name


class TestAzureBlobStorage(StorageConformance):
    @pytest.fixture
    def storage(self, azurite_env):
        return AzureBlobStorage(AzureSettings(), project="conformance")

    @pytest.fixture
    def fresh_bucket_name(self):
        return unique_bucket_name

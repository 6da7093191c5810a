"""The embedded local provider runs the shared storage conformance suite."""

import pytest

from octoup.local.settings import LocalSettings
from octoup.local.storage import LocalStorage
from tests.conformance import StorageConformance, unique_bucket_name


class TestLocalStorage(StorageConformance):
    server_side_copy_is_remote = False

    @pytest.fixture
    def storage(self, tmp_path):
        return LocalStorage(LocalSettings(root=str(tmp_path / "store")), project="conformance")

    @pytest.fixture
    def fresh_bucket_name(self):
        return unique_bucket_name

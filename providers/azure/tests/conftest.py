"""Azure test fixtures: the environment pointed at the session's Azurite, nothing else set."""

import pytest

from tests.services import azurite_connection_string

AZURE_ENV = ("AZURE_STORAGE_CONNECTION_STRING", "AZURE_STORAGE_ACCOUNT", "AZURE_STORAGE_KEY",
             "AZURE_STORAGE_SAS_TOKEN")


@pytest.fixture
def no_azure_env(monkeypatch):
    for name in AZURE_ENV:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def azurite_env(azurite, no_azure_env, monkeypatch) -> str:
    connection_string = azurite_connection_string(azurite)
    monkeypatch.setenv("AZURE_STORAGE_CONNECTION_STRING", connection_string)
    return connection_string

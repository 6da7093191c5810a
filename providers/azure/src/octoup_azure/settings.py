from __future__ import annotations

from octoup.config import CloudSettings


class AzureSettings(CloudSettings):
    account: str | None = None
    """Storage account name (default: AZURE_STORAGE_ACCOUNT); endpoint_url overrides its URL."""
    connection_string_env: str | None = "AZURE_STORAGE_CONNECTION_STRING"
    """Name of the environment variable holding a connection string (never the string itself)."""

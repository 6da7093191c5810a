"""The only place google-cloud-storage and google-auth are imported: lazily, with an install hint."""

from __future__ import annotations

from functools import cache

from octoup.adaptors import optional_import
from octoup.storage.http import tune


@cache
def storage():
    return optional_import("google.cloud.storage", "google-cloud-storage", "gcp")


def api_exceptions():
    storage()
    from google.api_core import exceptions

    return exceptions


def auth_exceptions():
    storage()
    from google.auth import exceptions

    return exceptions


def data_corruption() -> type[Exception]:
    """What a download or upload whose checksum did not match raises."""
    from google.cloud.storage.exceptions import DataCorruption

    return DataCorruption


def errors() -> tuple[type[Exception], ...]:
    """Every exception the Google libraries raise for a failed call."""
    import requests

    return (api_exceptions().GoogleAPIError, auth_exceptions().GoogleAuthError,
            requests.RequestException, data_corruption())


def default_credentials():
    """(credentials, project id or None) from Application Default Credentials."""
    import google.auth

    return google.auth.default(scopes=storage().Client.SCOPE)


def anonymous_credentials():
    storage()
    from google.auth.credentials import AnonymousCredentials

    return AnonymousCredentials()


def client(project: str | None, credentials, endpoint: str | None, pool_size: int):
    """A storage.Client whose HTTP session keeps ``pool_size`` connections for parallel parts."""
    from google.auth.transport.requests import AuthorizedSession

    session = tune(AuthorizedSession(credentials), pool_size)
    options = {"api_endpoint": endpoint} if endpoint else None
    return storage().Client(project=project, credentials=credentials, client_options=options,
                            _http=session)


def crc32c(data: bytes) -> int:
    return optional_import("google_crc32c", "google-crc32c", "gcp").value(data)

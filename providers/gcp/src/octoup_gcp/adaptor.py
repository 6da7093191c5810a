"""The only place google-cloud-storage and google-auth are imported: lazily, with an install hint."""

from __future__ import annotations

from functools import cache


@cache
def storage():
    try:
        from google.cloud import storage as module
    except ImportError as exc:
        from octoup.errors import MissingDependency

        raise MissingDependency("google-cloud-storage", "gcp") from exc
    return module


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
    from requests.adapters import HTTPAdapter

    session = AuthorizedSession(credentials)
    for prefix in ("https://", "http://"):
        session.mount(prefix, HTTPAdapter(pool_connections=pool_size, pool_maxsize=pool_size))
    options = {"api_endpoint": endpoint} if endpoint else None
    return storage().Client(project=project, credentials=credentials, client_options=options,
                            _http=session)


def crc32c(data: bytes) -> int:
    try:
        import google_crc32c
    except ImportError as exc:  # pragma: no cover - a dependency of octoup-gcp
        from octoup.errors import MissingDependency

        raise MissingDependency("google-crc32c", "gcp") from exc
    return google_crc32c.value(data)

"""The only place azure.storage.blob, azure.core and azure.identity are imported, lazily."""

from __future__ import annotations

import importlib.util
from functools import cache

from octoup.adaptors import optional_import
from octoup.storage.http import tune


@cache
def blob():
    return optional_import("azure.storage.blob", "azure-storage-blob", "azure")


def core_exceptions():
    blob()
    import azure.core.exceptions

    return azure.core.exceptions


def match_conditions():
    from azure.core import MatchConditions

    return MatchConditions


def identity_available() -> bool:
    """True when the optional azure-identity package (octoup-azure[identity]) is installed."""
    try:
        return importlib.util.find_spec("azure.identity") is not None
    except ImportError:
        return False


def default_credential():
    from azure.identity import DefaultAzureCredential

    return DefaultAzureCredential()


def http_session(pool_size: int):
    """A requests session whose connection pool fits ``pool_size`` threads (SDK retries only)."""
    import requests
    from urllib3.util.retry import Retry

    return tune(requests.Session(), pool_size,
                retries=Retry(total=False, redirect=False, raise_on_status=False))

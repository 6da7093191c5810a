"""The only place boto3 is imported: lazily, with an install hint when it is missing."""

from __future__ import annotations

from functools import cache


@cache
def boto3():
    try:
        import boto3 as module
    except ImportError as exc:
        from octoup.errors import MissingDependency

        raise MissingDependency("boto3", "aws") from exc
    return module


def botocore_exceptions():
    import botocore.exceptions

    return botocore.exceptions


def botocore_config(**kwargs):
    from botocore.config import Config

    return Config(**kwargs)

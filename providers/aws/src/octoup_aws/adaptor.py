"""The only place boto3 is imported: lazily, with an install hint when it is missing."""

from __future__ import annotations

from functools import cache

from octoup.adaptors import optional_import


@cache
def boto3():
    return optional_import("boto3", "boto3", "aws")


def botocore_exceptions():
    import botocore.exceptions

    return botocore.exceptions


def botocore_config(**kwargs):
    from botocore.config import Config

    return Config(**kwargs)

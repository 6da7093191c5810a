"""Bucket naming rules, one function per cloud. Each returns the first broken rule, or None."""

from __future__ import annotations

import ipaddress
import re

_S3_CHARS = re.compile(r"^[a-z0-9.-]+$")
_GCS_CHARS = re.compile(r"^[a-z0-9._-]+$")
_AZURE_CHARS = re.compile(r"^[a-z0-9-]+$")


def _common(name: str, chars: re.Pattern, allowed: str, max_len: int = 63) -> str | None:
    if not 3 <= len(name) <= max_len:
        return f"it must be 3 to {max_len} characters long (it has {len(name)})"
    if not chars.match(name):
        return f"only {allowed} are allowed"
    if not (name[0].isalnum() and name[-1].isalnum()):
        return "it must start and end with a lowercase letter or a digit"
    return None


def _is_ip(name: str) -> bool:
    try:
        ipaddress.IPv4Address(name)
    except ValueError:
        return False
    return True


def s3_problem(name: str) -> str | None:
    """Amazon S3 general-purpose bucket rules (also used for S3-compatible stores)."""
    problem = _common(name, _S3_CHARS, "lowercase letters, digits, dots and hyphens")
    if problem:
        return problem
    if ".." in name:
        return "it must not contain two adjacent dots"
    if _is_ip(name):
        return "it must not look like an IP address"
    for prefix in ("xn--", "sthree-", "amzn-s3-demo-"):
        if name.startswith(prefix):
            return f"it must not start with '{prefix}'"
    for suffix in ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"):
        if name.endswith(suffix):
            return f"it must not end with '{suffix}'"
    return None


def gcs_problem(name: str) -> str | None:
    """Google Cloud Storage bucket rules."""
    max_len = 222 if "." in name else 63
    problem = _common(name, _GCS_CHARS, "lowercase letters, digits, dots, hyphens and underscores",
                      max_len)
    if problem:
        return problem
    if "." in name and any(not 1 <= len(part) <= 63 for part in name.split(".")):
        return "each dot-separated part must be 1 to 63 characters long"
    if _is_ip(name):
        return "it must not look like an IP address"
    if name.startswith("goog") or "google" in name or "g00gle" in name:
        return "it must not start with 'goog' or contain 'google'"
    return None


def azure_problem(name: str) -> str | None:
    """Azure Blob container rules."""
    problem = _common(name, _AZURE_CHARS, "lowercase letters, digits and hyphens")
    if problem:
        return problem
    if "--" in name:
        return "it must not contain two adjacent hyphens"
    return None

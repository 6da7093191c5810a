"""Keep secrets out of everything octoup prints, logs or writes.

Secret values are collected from the environment variables each cloud's credential chain reads,
plus anything a provider registers at run time; :func:`redact` replaces them (and well-known secret
shapes such as ``AccountKey=...`` or presigned-URL signatures) with ``***``.
"""

from __future__ import annotations

import logging
import os
import re

SECRET_ENV_VARS = (
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AZURE_STORAGE_KEY",
    "AZURE_STORAGE_CONNECTION_STRING",
    "AZURE_STORAGE_SAS_TOKEN",
    "AZURE_CLIENT_SECRET",
    "OCTOUP_LIBCLOUD_SECRET",
)

_SHAPES = [
    re.compile(r"(AccountKey=)[^;\s\"']+", re.IGNORECASE),
    re.compile(r"(SharedAccessSignature=)[^;\s\"']+", re.IGNORECASE),
    re.compile(r"([?&](?:sig|X-Amz-Signature|X-Amz-Security-Token|X-Goog-Signature)=)[^&\s\"']+",
               re.IGNORECASE),
    re.compile(r"(aws_secret_access_key\s*[=:]\s*)\S+", re.IGNORECASE),
    re.compile(r"(://[^/\s:@]+:)[^@/\s]+(?=@)"),  # password in a URL's user info
]

_registered: set[str] = set()

SECRET_KEY_WORDS = ("secret", "password", "token", "accountkey", "account_key",
                    "connection_string", "access_key", "credential")


def register(value: str | None) -> None:
    """Mark a value (a key, a token) as secret for this process."""
    if value and len(value) >= 6:
        _registered.add(value)


def _known_values() -> list[str]:
    values = set(_registered)
    for name in SECRET_ENV_VARS:
        value = os.environ.get(name)
        if value and len(value) >= 6:
            values.add(value)
    return sorted(values, key=len, reverse=True)


def redact(text: str) -> str:
    """Return ``text`` with every known secret and secret-looking fragment masked."""
    for value in _known_values():
        text = text.replace(value, "***")
    for shape in _SHAPES:
        text = shape.sub(r"\1***", text)
    return text


def looks_secret(key: str) -> bool:
    """True when a config key name suggests it would hold a secret value."""
    flat = key.lower().replace("-", "_")
    if flat.endswith("_env"):
        return False  # names an environment variable, which is fine to store
    return any(word in flat for word in SECRET_KEY_WORDS)


class RedactingFilter(logging.Filter):
    """A logging filter that masks secrets in every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = ()
        return True

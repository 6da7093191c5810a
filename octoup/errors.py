"""One exception tree for everything octoup reports to a user.

Library code raises these; the CLI prints ``message`` and ``hint`` and exits with ``exit_code``
(2 for anything the user can fix). Messages never contain secrets: they are passed through
:func:`octoup.secrets.redact` before printing.
"""

from __future__ import annotations

USER_ERROR = 2


class OctoupError(Exception):
    """An error the user can act on: a message, an optional hint, an exit code."""

    exit_code: int = USER_ERROR

    def __init__(self, message: str, hint: str | None = None, exit_code: int | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint
        if exit_code is not None:
            self.exit_code = exit_code

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\nhint: {self.hint}"


class ConfigError(OctoupError):
    """Bad project configuration: names the file, key and line."""

    def __init__(self, path: str, message: str, *, line: int | None = None, hint: str | None = None):
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: {message}", hint)
        self.path = path
        self.line = line
        self.detail = message


class ProviderNotInstalled(OctoupError):
    def __init__(self, name: str, hint: str):
        super().__init__(f"The '{name}' provider is not installed.", hint)


class UnknownProvider(OctoupError):
    def __init__(self, name: str, known: list[str]):
        super().__init__(
            f"Unknown cloud '{name}'.",
            f"Known clouds: {', '.join(sorted(known))}. Run `octoup providers` to see what is installed.",
        )


class MissingDependency(OctoupError):
    """An optional package is needed for this feature and is not importable."""

    def __init__(self, module: str, extra: str):
        super().__init__(
            f"This needs the Python package '{module}', which is not installed.",
            f"pip install 'octoup[{extra}]'",
        )


class CredentialsError(OctoupError):
    """Credentials are missing or were rejected by the cloud."""


class StorageError(OctoupError):
    """A storage operation failed."""


class InvalidBucketName(StorageError):
    def __init__(self, cloud: str, name: str, reason: str):
        super().__init__(
            f"'{name}' is not a valid {cloud} bucket name: {reason}.",
            "Pick another name with --bucket or `octoup config set clouds."
            f"{cloud}.bucket NAME`.",
        )
        self.name = name


class BucketNotFound(StorageError):
    def __init__(self, uri: str):
        super().__init__(
            f"Bucket {uri} does not exist.",
            "Create it with `octoup data copy ... --cloud CLOUD` (it provisions the bucket) "
            "or check the bucket name in octoup.toml.",
        )


class BucketNotOwned(StorageError):
    def __init__(self, uri: str):
        super().__init__(
            f"Bucket {uri} exists but belongs to someone else, or your credentials cannot use it.",
            "Bucket names are global on this cloud: choose another name.",
        )


class ObjectNotFound(StorageError):
    def __init__(self, uri: str):
        super().__init__(f"{uri} does not exist.", "Check the key with `octoup data ls`.")


class ChecksumMismatch(StorageError):
    def __init__(self, uri: str, algorithm: str, expected: str, actual: str):
        super().__init__(
            f"Checksum mismatch for {uri}: expected {algorithm} {expected}, got {actual}.",
            "The data changed in transit or at the source; nothing was kept. Retry the transfer.",
        )
        self.expected = expected
        self.actual = actual

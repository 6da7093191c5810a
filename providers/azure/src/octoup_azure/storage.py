"""Azure Blob Storage through azure-storage-blob; a bucket is a container.

Whole-object puts carry Content-MD5 (checked by the service) and store it, so downloads are
verified against it. Multipart uploads stage blocks, each checked with Content-MD5, and commit
the block list; MD5 is not combinable, so such blobs carry no whole-object MD5. Copies are
server-side (Copy Blob from a short-lived read SAS). Metadata keys must be C# identifiers:
``-`` is stored as ``_`` and ``_`` as ``__``, and mapped back when read.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import re
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import BinaryIO

from octoup import secrets
from octoup.errors import (
    BucketNotFound,
    ChecksumMismatch,
    CredentialsError,
    ObjectNotFound,
    OctoupError,
    StorageError,
)
from octoup.provider import (
    BucketInfo,
    Capability,
    CredentialStatus,
    IncompleteUpload,
    MiB,
    MultipartWriter,
    ObjectInfo,
    StorageProvider,
)
from octoup.storage import naming
from octoup.storage.digest import content_md5
from octoup_azure import adaptor
from octoup_azure.settings import AzureSettings

CREDENTIALS_HINT = ("Set AZURE_STORAGE_CONNECTION_STRING, or AZURE_STORAGE_ACCOUNT with AZURE_STORAGE_KEY, "
                    "or install octoup-azure[identity] and sign in with `az login`.")
MAX_PUT = 5000 * MiB
"""Put Blob's limit: a whole-object put is always one request."""
LIST_PAGE_SIZE = 5000
RETRY = {"retry_total": 5, "initial_backoff": 1, "increment_base": 2}
"""The SDK's retry policy, with shorter back-off than its 15 s default."""
SAS_LIFETIME = timedelta(hours=1)
CHECKSUM_CODES = {"Md5Mismatch", "InvalidMd5", "Crc64Mismatch"}
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _encode_key(key: str) -> str:
    stored = key.replace("_", "__").replace("-", "_")
    if not _IDENTIFIER.fullmatch(stored) or _decode_key(stored) != key:
        raise StorageError(f"Azure cannot store the metadata or tag key '{key}'.",
                           "Use letters, digits, hyphens and underscores, starting with a letter.")
    return stored


def _decode_key(stored: str) -> str:
    return re.sub(r"__|_", lambda m: "_" if m.group() == "__" else "-", stored)


def _encode(metadata: Mapping[str, str] | None) -> dict[str, str]:
    return {_encode_key(k): v for k, v in (metadata or {}).items()}


def _decode(metadata: Mapping[str, str] | None) -> dict[str, str]:
    return {_decode_key(k): v for k, v in (metadata or {}).items()}


def _info(key: str, props) -> ObjectInfo:
    md5 = props.content_settings.content_md5
    return ObjectInfo(key=key, size=props.size, etag=(props.etag or "").strip('"') or None,
                      checksums={"md5": bytes(md5).hex()} if md5 else {},
                      last_modified=props.last_modified, version_id=props.version_id,
                      metadata=_decode(props.metadata))


@dataclass(frozen=True)
class _Credentials:
    source: str
    """Where they came from, for check_credentials: never a secret."""
    account_url: str
    credential: object = None
    """{"account_name", "account_key"}, a SAS token, or None for DefaultAzureCredential."""
    account_key: str | None = None


class _ChunkReader(io.RawIOBase):
    """A readable stream over an iterator of byte chunks."""

    def __init__(self, chunks: Iterator[bytes], errors: Callable):
        self._chunks, self._errors, self._pending = chunks, errors, memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self._pending:
            with self._errors():
                chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._pending = memoryview(chunk)
        n = min(len(buffer), len(self._pending))
        buffer[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n


class AzureBlobStorage(StorageProvider):
    name = "azure"
    scheme = "az"
    capabilities = frozenset({Capability.STORAGE, Capability.MULTIPART, Capability.RANGED_READ,
                              Capability.SERVER_SIDE_COPY, Capability.BUCKET_TAGS})
    min_part_size = MiB  # Azure has no minimum block size
    max_parts = 50_000
    settings: AzureSettings

    # -- credentials ---------------------------------------------------------------------------

    @cached_property
    def _credentials(self) -> _Credentials | None:
        """The first source in the chain that is set (reads the environment only, no request)."""
        env = os.environ
        variable = self.settings.connection_string_env
        if variable and env.get(variable):
            return self._from_connection_string(env[variable], variable)
        account = self.settings.account or env.get("AZURE_STORAGE_ACCOUNT")
        if not account:
            return None
        url = self.settings.endpoint_url or f"https://{account}.blob.core.windows.net"
        where = f"account {account} at {url}"
        if key := env.get("AZURE_STORAGE_KEY"):
            secrets.register(key)
            return _Credentials(f"AZURE_STORAGE_KEY for {where}", url,
                                {"account_name": account, "account_key": key}, key)
        if sas := env.get("AZURE_STORAGE_SAS_TOKEN", "").lstrip("?"):
            secrets.register(sas)
            return _Credentials(f"AZURE_STORAGE_SAS_TOKEN for {where}", url, sas)
        if adaptor.identity_available():
            return _Credentials(f"azure-identity DefaultAzureCredential for {where}", url)
        return None

    def _from_connection_string(self, text: str, variable: str) -> _Credentials:
        secrets.register(text)
        fields = {k.strip().lower(): v.strip() for k, _, v in
                  (part.partition("=") for part in text.split(";") if part.strip())}
        account, key = fields.get("accountname"), fields.get("accountkey")
        sas = fields.get("sharedaccesssignature", "").lstrip("?")
        secrets.register(key)
        secrets.register(sas)
        url = self.settings.endpoint_url or fields.get("blobendpoint")
        if not url and account:
            url = (f"{fields.get('defaultendpointsprotocol', 'https')}://{account}.blob."
                   f"{fields.get('endpointsuffix', 'core.windows.net')}")
        if not url or not (sas or (account and key)):
            raise CredentialsError(f"The connection string in {variable} has no AccountName with "
                                   "AccountKey, nor SharedAccessSignature with BlobEndpoint.",
                                   CREDENTIALS_HINT)
        credential = {"account_name": account, "account_key": key} if account and key else sas
        return _Credentials(f"connection string in {variable} ({account or 'SAS'} at {url})", url,
                            credential, key if account else None)

    def check_credentials(self) -> CredentialStatus:
        try:
            found = self._credentials
        except OctoupError as exc:
            return CredentialStatus(False, exc.message, CREDENTIALS_HINT)
        if found is None:
            return CredentialStatus(False, "no Azure credentials found", CREDENTIALS_HINT)
        return CredentialStatus(True, found.source)

    @cached_property
    def client(self):
        """One BlobServiceClient shared by every thread; the engine does the parallelism."""
        found = self._credentials
        if found is None:
            raise CredentialsError("No Azure credentials found.", CREDENTIALS_HINT)
        credential = found.credential if found.credential is not None else adaptor.default_credential()
        pool = max(10, self.transfer_config().concurrency * 2)
        try:
            return adaptor.blob().BlobServiceClient(
                found.account_url, credential=credential, session=adaptor.http_session(pool),
                max_single_put_size=MAX_PUT, **RETRY)
        except ValueError:
            raise CredentialsError(f"Unusable Azure settings from {found.source}.",
                                   "Check the account URL (clouds.azure.endpoint_url) and the "
                                   "credentials.") from None

    def _blob(self, bucket: str, key: str):
        return self.client.get_blob_client(bucket, key)

    # -- errors --------------------------------------------------------------------------------

    @contextmanager
    def _errors(self, bucket: str, key: str = ""):
        exc_mod = adaptor.core_exceptions()
        try:
            yield
        except exc_mod.ServiceRequestError:
            raise StorageError(f"Cannot reach Azure Blob Storage at {self._credentials.account_url}.",
                               "Check clouds.azure.endpoint_url and your network.") from None
        except exc_mod.HttpResponseError as exc:
            raise self._translate(exc, bucket, key) from None
        except exc_mod.AzureError as exc:
            raise StorageError(f"Azure error on {self.uri(bucket, key)}: "
                               f"{type(exc).__name__}.") from None

    def _translate(self, exc, bucket: str, key: str) -> Exception:
        exc_mod = adaptor.core_exceptions()
        code = str(getattr(exc.error_code, "value", exc.error_code) or "")  # an enum or a string
        uri = self.uri(bucket, key)
        # ClientAuthenticationError also covers a key that cannot sign (no response at all)
        if isinstance(exc, exc_mod.ClientAuthenticationError) or exc.status_code in (401, 403):
            return CredentialsError(f"Azure rejected the credentials ({self._credentials.source}) "
                                    f"for {uri}: {code or exc.status_code or type(exc).__name__}.",
                                    CREDENTIALS_HINT)
        if exc.status_code == 404 and (code == "ContainerNotFound" or not key):
            return BucketNotFound(self.uri(bucket))
        if exc.status_code == 404:
            return ObjectNotFound(uri)
        if code in CHECKSUM_CODES:
            return ChecksumMismatch(uri, "md5", "the sent Content-MD5", "a different body")
        reason = (exc.message or "").splitlines()[0] if exc.message else exc.reason
        return StorageError(f"Azure error on {uri}: {code or exc.status_code} {reason or ''}".strip())

    # -- buckets -------------------------------------------------------------------------------

    def bucket_name_problem(self, name: str) -> str | None:
        return naming.azure_problem(name)

    def ensure_bucket(self, name: str, *, tags: Mapping[str, str] | None = None) -> BucketInfo:
        self.validate_bucket_name(name)
        wanted = {**self.project_tags(), **(tags or {})}
        stored = _encode(wanted)
        container = self.client.get_container_client(name)
        with self._errors(name):
            try:
                container.create_container(metadata=stored)
                return BucketInfo(self.name, name, self.uri(name), self.settings.region, True, wanted)
            except adaptor.core_exceptions().ResourceExistsError as exc:
                if exc.error_code != "ContainerAlreadyExists":
                    raise
            current = container.get_container_properties().metadata or {}
            if any(current.get(k) != v for k, v in stored.items()):
                current = {**current, **stored}
                container.set_container_metadata(current)
        return BucketInfo(self.name, name, self.uri(name), self.settings.region, False,
                          _decode(current))

    def delete_bucket(self, name: str) -> None:
        """Delete an empty container (Azure itself would delete a full one too)."""
        container = self.client.get_container_client(name)
        with self._errors(name):
            if next(iter(container.list_blobs(results_per_page=1)), None) is not None:
                raise StorageError(f"Bucket {self.uri(name)} is not empty.",
                                   "Delete its objects first.")
            container.delete_container()

    # -- objects -------------------------------------------------------------------------------

    def list(self, bucket: str, prefix: str = "") -> Iterator[ObjectInfo]:
        container = self.client.get_container_client(bucket)
        with self._errors(bucket, prefix):
            for props in container.list_blobs(name_starts_with=prefix or None,
                                              results_per_page=LIST_PAGE_SIZE):
                yield _info(props.name, props)

    def direct_url(self, bucket: str, key: str, *, expires: int = 3600) -> str | None:
        """A read-only SAS URL, signed locally with the account key (None without one)."""
        found = self._credentials
        credential = found.credential if found else None
        if not isinstance(credential, dict):
            return None
        blob = adaptor.blob()
        sas = blob.generate_blob_sas(credential["account_name"], bucket, key,
                                     account_key=credential["account_key"],
                                     permission=blob.BlobSasPermissions(read=True),
                                     expiry=datetime.now(UTC) + timedelta(seconds=expires))
        from urllib.parse import quote

        return f"{found.account_url.rstrip('/')}/{bucket}/{quote(key)}?{sas}"

    def stat(self, bucket: str, key: str) -> ObjectInfo:
        with self._errors(bucket, key):
            return _info(key, self._blob(bucket, key).get_blob_properties())

    def read(self, bucket: str, key: str, start: int = 0, length: int | None = None) -> bytes:
        if length == 0:
            return b""
        span = {"offset": start, "length": length} if start or length is not None else {}
        with self._errors(bucket, key):
            return self._blob(bucket, key).download_blob(max_concurrency=1, **span).readall()

    def open(self, bucket: str, key: str) -> BinaryIO:
        with self._errors(bucket, key):
            downloader = self._blob(bucket, key).download_blob(max_concurrency=1)
        return io.BufferedReader(_ChunkReader(downloader.chunks(), lambda: self._errors(bucket, key)))

    def put(self, bucket: str, key: str, data: bytes,
            metadata: Mapping[str, str] | None = None) -> ObjectInfo:
        md5 = hashlib.md5(data).digest()
        settings = adaptor.blob().ContentSettings(content_md5=bytearray(md5))
        with self._errors(bucket, key):
            # the transactional Content-MD5 makes the service check the body; passing it as a
            # header instead of validate_content=True saves the SDK hashing the data again
            response = self._blob(bucket, key).upload_blob(
                data, length=len(data), overwrite=True, headers={"Content-MD5": content_md5(md5)},
                content_settings=settings, metadata=_encode(metadata), max_concurrency=1)
        return ObjectInfo(key, len(data), response["etag"].strip('"'), {"md5": md5.hex()},
                          response.get("last_modified"), response.get("version_id"),
                          dict(metadata or {}))

    def begin_multipart(self, bucket: str, key: str,
                        metadata: Mapping[str, str] | None = None) -> MultipartWriter:
        return _AzureMultipart(self, bucket, key, _encode(metadata))

    def copy(self, src_bucket: str, src_key: str, dst_bucket: str, dst_key: str) -> ObjectInfo:
        self.stat(src_bucket, src_key)
        target = self._blob(dst_bucket, dst_key)
        with self._errors(dst_bucket, dst_key):
            status = target.start_copy_from_url(self._source_url(src_bucket, src_key))["copy_status"]
            detail, delay = None, 0.05
            while status == "pending":
                time.sleep(delay)
                delay = min(delay * 2, 2.0)
                copy = target.get_blob_properties().copy
                status, detail = copy.status, copy.status_description
        if status != "success":
            raise StorageError(f"Azure could not copy {self.uri(src_bucket, src_key)} to "
                               f"{self.uri(dst_bucket, dst_key)}: {status} ({detail}).")
        return self.stat(dst_bucket, dst_key)

    def _source_url(self, bucket: str, key: str) -> str:
        """The source blob's URL with a read-only SAS valid for SAS_LIFETIME."""
        source = self._blob(bucket, key)
        blob = adaptor.blob()
        found = self._credentials
        now = datetime.now(UTC)
        common = {"permission": blob.BlobSasPermissions(read=True), "expiry": now + SAS_LIFETIME}
        if found.account_key:
            sas = blob.generate_blob_sas(self.client.account_name, bucket, key,
                                         account_key=found.account_key, **common)
        elif found.credential is None:  # Entra ID sign-in: a user delegation SAS
            delegation = self.client.get_user_delegation_key(now - timedelta(minutes=5),
                                                             now + SAS_LIFETIME)
            sas = blob.generate_blob_sas(self.client.account_name, bucket, key,
                                         user_delegation_key=delegation, **common)
        else:  # a SAS credential: the client's URLs carry it already
            return source.url
        return f"{source.url}?{sas}"

    def delete(self, bucket: str, key: str) -> None:
        with self._errors(bucket, key):
            try:
                self._blob(bucket, key).delete_blob(delete_snapshots="include")
            except adaptor.core_exceptions().ResourceNotFoundError as exc:
                if exc.error_code != "BlobNotFound":
                    raise

    def list_incomplete(self, bucket: str, prefix: str = "") -> list[IncompleteUpload]:
        """Blobs that exist only as uncommitted blocks.

        Blocks staged on a blob that has committed content are not listed: Azure discards them
        when the blob is next committed, or after 7 days.
        """
        container = self.client.get_container_client(bucket)
        start = prefix or None
        uploads = []
        with self._errors(bucket, prefix):
            # listed before the committed blobs: one committed meanwhile is then not reported
            every = [(b.name, b.creation_time) for b in container.list_blobs(
                name_starts_with=start, include=["uncommittedblobs"], results_per_page=LIST_PAGE_SIZE)]
            committed = {b.name for b in container.list_blobs(name_starts_with=start,
                                                              results_per_page=LIST_PAGE_SIZE)}
            for name, created in every:
                if name in committed:
                    continue
                try:
                    _, blocks = container.get_blob_client(name).get_block_list("uncommitted")
                except adaptor.core_exceptions().ResourceNotFoundError:
                    continue  # removed since it was listed
                upload_id = blocks[0].id.rpartition("-")[0] if blocks else ""
                uploads.append(IncompleteUpload(name, upload_id, created))
        return uploads

    def abort_incomplete(self, bucket: str, upload: IncompleteUpload) -> None:
        with self._errors(bucket, upload.key):
            self._discard_uncommitted(self._blob(bucket, upload.key))

    def _discard_uncommitted(self, blob) -> None:
        """Drop a blob's uncommitted blocks; never touch a blob that has committed content.

        Azure cannot delete uncommitted blocks alone: commit an empty block list (only if the
        blob does not exist), then delete that empty blob (only if nobody wrote it since).
        """
        exc_mod = adaptor.core_exceptions()
        conditions = adaptor.match_conditions()
        with contextlib.suppress(exc_mod.ResourceExistsError, exc_mod.ResourceModifiedError):
            empty = blob.commit_block_list([], match_condition=conditions.IfMissing)
            blob.delete_blob(etag=empty["etag"], match_condition=conditions.IfNotModified)


class _AzureMultipart(MultipartWriter):
    """Blocks named ``octoup-<upload id>-<part number>`` (fixed width), committed in order."""

    def __init__(self, store: AzureBlobStorage, bucket: str, key: str, metadata: dict[str, str]):
        self.store, self.bucket, self.key, self.metadata = store, bucket, key, metadata
        self.upload_id = uuid.uuid4().hex[:16]
        self.blob = store._blob(bucket, key)
        self._staged = False

    def upload_part(self, number: int, data: bytes) -> object:
        block_id = f"octoup-{self.upload_id}-{number:05d}"
        self._staged = True
        with self.store._errors(self.bucket, self.key):
            self.blob.stage_block(block_id, data, length=len(data), validate_content=True)
        return block_id

    def complete(self, parts: list[object]) -> ObjectInfo:
        with self.store._errors(self.bucket, self.key):
            self.blob.commit_block_list(parts, metadata=self.metadata)
        return self.store.stat(self.bucket, self.key)

    def abort(self) -> None:
        # best effort: an existing blob is kept and Azure drops its uncommitted blocks in 7 days
        if self._staged:
            with contextlib.suppress(Exception):
                self.store._discard_uncommitted(self.blob)

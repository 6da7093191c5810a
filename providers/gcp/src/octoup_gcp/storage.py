"""Google Cloud Storage through google-cloud-storage.

Every write sends its CRC32C so GCS rejects corrupted bodies, and the CRC32C GCS reports back is
checked. Large uploads are parallel composite uploads: parts become temporary objects under
``.octoup-uploads/<upload id>/`` (hidden from :meth:`GcsStorage.list`, deleted by a bucket
lifecycle rule after 7 days if a crash leaves them), composed 32 at a time into the key, checked
against the CRC32C combined from the parts', then deleted. Copies are server-side rewrites.
"""

from __future__ import annotations

import base64
import contextlib
import io
import os
import re
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from functools import partial, reduce
from typing import BinaryIO

from octoup.errors import (
    BucketNotFound,
    BucketNotOwned,
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
    TransferConfig,
)
from octoup.storage import naming
from octoup_gcp import adaptor, crc
from octoup_gcp.settings import GcpSettings

TEMP_PREFIX = ".octoup-uploads/"
TEMP_MAX_AGE_DAYS = 7
KEY_METADATA = "octoup-key"
MAX_COMPOSE = 32
READ_CHUNK = 8 * MiB
RESUMABLE_CHUNK = 100 * MiB
"""Chunk of a resumable upload of unknown size (a multiple of 256 KiB; the library's default)."""
OCTET_STREAM = "application/octet-stream"
EMULATOR_PROJECT = "octoup-emulator"
DEFAULT_ENDPOINT = "https://storage.googleapis.com"
CREDENTIALS_HINT = ("Set GOOGLE_APPLICATION_CREDENTIALS to a service-account key file, "
                    "or run `gcloud auth application-default login`.")
CREDENTIAL_KINDS = {
    "google.oauth2.service_account": "service account",
    "google.oauth2.credentials": "user login",
    "google.auth.compute_engine.credentials": "compute engine metadata server",
    "google.auth.impersonated_credentials": "impersonated service account",
    "google.auth.identity_pool": "workload identity federation",
    "google.auth.aws": "workload identity federation",
    "google.auth.pluggable": "workload identity federation",
}
_NOT_LABEL = re.compile(r"[^a-z0-9_-]")


def _label(text: str) -> str:
    return _NOT_LABEL.sub("-", text.lower())[:63]


def labels(tags: Mapping[str, str]) -> dict[str, str]:
    """Tags as valid GCS labels: lowercase ``[a-z0-9_-]``, at most 63 characters, keys start
    with a letter."""
    result = {}
    for key, value in tags.items():
        key = _label(key)
        result[key if key[:1].isalpha() else f"x-{key}"[:63]] = _label(value)
    return result


def _info(blob) -> ObjectInfo:
    checksums = {"crc32c": blob.crc32c} if blob.crc32c else {}
    if blob.md5_hash:  # composite objects have none
        checksums["md5"] = base64.b64decode(blob.md5_hash).hex()
    return ObjectInfo(key=blob.name, size=int(blob.size or 0), etag=blob.etag, checksums=checksums,
                      last_modified=blob.updated,
                      version_id=str(blob.generation) if blob.generation else None,
                      metadata=dict(blob.metadata or {}))


class GcsStorage(StorageProvider):
    name = "gcp"
    scheme = "gs"
    # GCS has no minimum, but every part is an object: a write, a compose and a delete
    min_part_size = 1 * MiB
    # composite objects lose the MD5 and cost extra operations: only worth it for large files
    default_transfer = TransferConfig(part_size=16 * MiB, concurrency=8, multipart_threshold=64 * MiB)
    settings: GcpSettings

    @property
    def capabilities(self) -> frozenset[Capability]:
        """Parallel (composite) uploads only when ``composite_uploads`` is on."""
        base = {Capability.STORAGE, Capability.RANGED_READ, Capability.SERVER_SIDE_COPY,
                Capability.BUCKET_TAGS}
        return frozenset(base | ({Capability.MULTIPART} if self.settings.composite_uploads else set()))

    def __init__(self, settings: GcpSettings, *, project: str | None = None):
        super().__init__(settings, project=project)
        self._client = None
        self._lock = threading.Lock()

    @property
    def endpoint(self) -> str | None:
        """The emulator endpoint, from settings or STORAGE_EMULATOR_HOST; None for real GCS."""
        url = self.settings.endpoint_url or os.environ.get("STORAGE_EMULATOR_HOST")
        return url if not url or "://" in url else f"http://{url}"

    @property
    def client(self):
        """One storage.Client shared by every thread."""
        with self._lock:
            if self._client is None:
                self._client = self._connect()
            return self._client

    def _connect(self):
        if self.endpoint:
            credentials, project = adaptor.anonymous_credentials(), EMULATOR_PROJECT
        else:
            with self._errors(""):
                credentials, project = adaptor.default_credentials()
        pool_size = max(10, self.transfer_config().concurrency * 2)
        return adaptor.client(self.settings.project or project, credentials, self.endpoint,
                              pool_size)

    # -- errors -------------------------------------------------------------------------------

    @contextmanager
    def _errors(self, bucket: str, key: str | None = None):
        """Google exceptions as octoup's; ``key`` None marks a bucket-level call."""
        try:
            yield
        except adaptor.errors() as exc:
            raise self._translate(exc, bucket, key) from None

    def _translate(self, exc: Exception, bucket: str, key: str | None) -> Exception:
        api, auth = adaptor.api_exceptions(), adaptor.auth_exceptions()
        uri = self.uri(bucket, key or "")
        if isinstance(exc, api.RetryError) and exc.cause is not None:
            exc = exc.cause
        if isinstance(exc, auth.RefreshError | api.Unauthorized):
            return CredentialsError(f"Google Cloud rejected the credentials for {uri}.",
                                    CREDENTIALS_HINT)
        if isinstance(exc, auth.GoogleAuthError) and not isinstance(exc, auth.TransportError):
            return CredentialsError("No usable Google Cloud credentials found.", CREDENTIALS_HINT)
        if isinstance(exc, api.Forbidden):
            if key is None:
                return BucketNotOwned(uri)
            return CredentialsError(f"Your Google Cloud credentials may not access {uri}.",
                                    CREDENTIALS_HINT)
        if isinstance(exc, api.NotFound):
            return self._not_found(bucket, key)
        if isinstance(exc, adaptor.data_corruption()) or (
                isinstance(exc, api.BadRequest) and re.search(r"crc32c|md5", exc.message, re.I)):
            return ChecksumMismatch(uri, "crc32c", "the checksum sent", "a different body")
        if isinstance(exc, api.GoogleAPICallError):
            return StorageError(f"Google Cloud Storage error on {uri}: {exc.code} {exc.message}")
        return StorageError(f"Cannot reach Google Cloud Storage at {self.endpoint or DEFAULT_ENDPOINT} "
                            f"({type(exc).__name__}).", "Check clouds.gcp.endpoint_url and your network.")

    def _not_found(self, bucket: str, key: str | None) -> StorageError:
        """A 404 on an object call may mean its bucket (the emulator does not say): ask."""
        if key is not None:
            try:
                if self.client.bucket(bucket).exists():
                    return ObjectNotFound(self.uri(bucket, key))
            except adaptor.errors():  # e.g. no storage.buckets.get permission: the bucket is there
                return ObjectNotFound(self.uri(bucket, key))
        return BucketNotFound(self.uri(bucket))

    # -- credentials and buckets ----------------------------------------------------------------

    def check_credentials(self) -> CredentialStatus:
        if self.endpoint:
            return CredentialStatus(True, f"anonymous (emulator at {self.endpoint})")
        from_env = bool(os.environ.get("GOOGLE_APPLICATION_CREDENTIALS"))
        try:
            credentials, project = adaptor.default_credentials()
        except OctoupError as exc:
            return CredentialStatus(False, exc.message, exc.hint)
        except Exception:  # the details may quote a key file: say only where the problem is
            what = ("GOOGLE_APPLICATION_CREDENTIALS names unusable credentials" if from_env
                    else "no Google Cloud credentials found")
            return CredentialStatus(False, what, CREDENTIALS_HINT)
        kind = CREDENTIAL_KINDS.get(type(credentials).__module__, type(credentials).__name__)
        where = "GOOGLE_APPLICATION_CREDENTIALS" if from_env else "application default credentials"
        project = self.settings.project or project
        return CredentialStatus(True, f"{kind} ({where})" + (f", project {project}" if project else ""))

    def bucket_name_problem(self, name: str) -> str | None:
        return naming.gcs_problem(name)

    def ensure_bucket(self, name: str, *, tags: Mapping[str, str] | None = None) -> BucketInfo:
        self.validate_bucket_name(name)
        wanted = labels({**self.project_tags(), **(tags or {})})
        with self._errors(name):
            try:
                bucket, created = self.client.get_bucket(name), False
            except adaptor.api_exceptions().NotFound:
                bucket, created = self._create_bucket(name)
            current = bucket.labels
            if created or any(current.get(k) != v for k, v in wanted.items()):
                bucket.labels = {**current, **wanted}
                bucket.patch()
        return BucketInfo(self.name, name, self.uri(name), bucket.location, created, bucket.labels)

    def _create_bucket(self, name: str):
        """(bucket, created); the caller's patch carries the settings set here."""
        if not self.client.project:
            raise StorageError(f"Creating {self.uri(name)} needs a Google Cloud project id.",
                               "Set clouds.gcp.project in octoup.toml, or GOOGLE_CLOUD_PROJECT.")
        try:
            bucket = self.client.create_bucket(name, location=self.settings.region)
        except adaptor.api_exceptions().Conflict:  # taken: fine if ours (else get raises 403)
            return self.client.get_bucket(name), False
        bucket.iam_configuration.uniform_bucket_level_access_enabled = True
        bucket.iam_configuration.public_access_prevention = "enforced"
        # GCS itself deletes the parts of composite uploads that a crash left behind
        bucket.add_lifecycle_delete_rule(age=TEMP_MAX_AGE_DAYS, matches_prefix=[TEMP_PREFIX])
        return bucket, True

    def delete_bucket(self, name: str) -> None:
        with self._errors(name):
            try:
                self.client.bucket(name).delete()
            except adaptor.api_exceptions().Conflict:  # GCS's answer for a bucket with objects
                raise StorageError(f"Bucket {self.uri(name)} is not empty.",
                                   "Delete its objects first.") from None

    # -- objects ------------------------------------------------------------------------------

    def list(self, bucket: str, prefix: str = "") -> Iterator[ObjectInfo]:
        with self._errors(bucket):
            for blob in self.client.list_blobs(bucket, prefix=prefix or None):
                if not blob.name.startswith(TEMP_PREFIX):
                    yield _info(blob)

    def stat(self, bucket: str, key: str) -> ObjectInfo:
        blob = self.client.bucket(bucket).blob(key)
        with self._errors(bucket, key):
            blob.reload()
        return _info(blob)

    def read(self, bucket: str, key: str, start: int = 0, length: int | None = None) -> bytes:
        if length == 0:
            return b""
        ranged = bool(start) or length is not None
        end = None if length is None else start + length - 1
        blob = self.client.bucket(bucket).blob(key)
        with self._errors(bucket, key):  # a whole object is checked against its CRC32C
            return blob.download_as_bytes(start=start or None, end=end, raw_download=True,
                                          checksum=None if ranged else "crc32c")

    def open(self, bucket: str, key: str) -> BinaryIO:
        blob = self.client.bucket(bucket).blob(key)
        with self._errors(bucket, key):
            blob.reload()  # the generation: every chunk then comes from this version
            reader = blob.open("rb", chunk_size=READ_CHUNK, raw_download=True,
                               if_generation_match=blob.generation)
        return _Reader(reader, partial(self._errors, bucket, key))

    def put(self, bucket: str, key: str, data: bytes,
            metadata: Mapping[str, str] | None = None) -> ObjectInfo:
        blob = self.client.bucket(bucket).blob(key)
        blob.metadata = dict(metadata or {})
        self._upload(blob, data)
        return _info(blob)

    def _upload(self, blob, data: bytes) -> int:
        """Write ``data`` with its CRC32C for GCS to check; check GCS's answer; return the CRC."""
        value = adaptor.crc32c(data)
        expected = crc.to_base64(value)
        bucket, key = blob.bucket.name, blob.name
        with self._errors(bucket, key):
            blob.upload_from_string(data, content_type=OCTET_STREAM, checksum="crc32c",
                                    crc32c_checksum_value=expected)
        if blob.crc32c != expected:
            self.delete(bucket, key)
            raise ChecksumMismatch(self.uri(bucket, key), "crc32c", expected, str(blob.crc32c))
        return value

    def put_stream(self, bucket: str, key: str, stream: BinaryIO, *, size: int | None = None,
                   metadata: Mapping[str, str] | None = None) -> ObjectInfo:
        """One resumable upload read from ``stream`` in chunks; GCS checks the CRC32C the library
        computes on the way, and a mismatch deletes the object."""
        blob = self.client.bucket(bucket).blob(key, chunk_size=None if size else RESUMABLE_CHUNK)
        blob.metadata = dict(metadata or {})
        try:
            with self._errors(bucket, key):
                blob.upload_from_file(stream, size=size, content_type=OCTET_STREAM,
                                      checksum="crc32c")
        except ChecksumMismatch:
            self.delete(bucket, key)
            raise
        return _info(blob)

    def begin_multipart(self, bucket: str, key: str,
                        metadata: Mapping[str, str] | None = None) -> MultipartWriter:
        return _CompositeUpload(self, bucket, key, uuid.uuid4().hex, dict(metadata or {}))

    def copy(self, src_bucket: str, src_key: str, dst_bucket: str, dst_key: str) -> ObjectInfo:
        source = self.stat(src_bucket, src_key)
        target = self.client.bucket(dst_bucket).blob(dst_key)
        with self._errors(dst_bucket, dst_key):
            token = None
            while True:  # large or cross-location rewrites take several calls
                token, _, _ = target.rewrite(self.client.bucket(src_bucket).blob(src_key),
                                             token=token)
                if token is None:
                    break
        copied = _info(target)
        if copied.checksums.get("crc32c") != source.checksums.get("crc32c"):
            self.delete(dst_bucket, dst_key)
            raise ChecksumMismatch(self.uri(dst_bucket, dst_key), "crc32c",
                                   str(source.checksums.get("crc32c")),
                                   str(copied.checksums.get("crc32c")))
        return copied

    def delete(self, bucket: str, key: str) -> None:
        with contextlib.suppress(ObjectNotFound), self._errors(bucket, key):
            self.client.bucket(bucket).blob(key).delete()

    def _delete_all(self, bucket: str, prefix: str) -> None:
        """Delete every object under ``prefix``, temporary ones included, in parallel."""
        with self._errors(bucket):
            names = [blob.name for blob in self.client.list_blobs(bucket, prefix=prefix)]
        with ThreadPoolExecutor(self.transfer_config().concurrency) as pool:
            list(pool.map(partial(self.delete, bucket), names))

    def list_incomplete(self, bucket: str, prefix: str = "") -> list[IncompleteUpload]:
        uploads: dict[str, IncompleteUpload] = {}
        with self._errors(bucket):
            for blob in self.client.list_blobs(bucket, prefix=TEMP_PREFIX):
                upload_id = blob.name[len(TEMP_PREFIX):].split("/", 1)[0]
                key = (blob.metadata or {}).get(KEY_METADATA, "")
                if upload_id not in uploads and key.startswith(prefix):
                    uploads[upload_id] = IncompleteUpload(key, upload_id, blob.time_created)
        return list(uploads.values())

    def abort_incomplete(self, bucket: str, upload: IncompleteUpload) -> None:
        self._delete_all(bucket, f"{TEMP_PREFIX}{upload.upload_id}/")

    def native_digest(self, info: ObjectInfo) -> tuple[str, str] | None:
        if "crc32c" in info.checksums:  # every GCS object has one, composite ones included
            return "crc32c", info.checksums["crc32c"]
        return super().native_digest(info)


class _Reader(io.BufferedIOBase):
    """A BlobReader (ranged chunks of one generation) raising octoup's errors."""

    def __init__(self, reader, errors: Callable[[], AbstractContextManager]):
        super().__init__()
        self._reader, self._errors = reader, errors

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        with self._errors():
            return self._reader.read(-1 if size is None else size)

    read1 = read

    def close(self) -> None:
        self._reader.close()
        super().close()


@dataclass(frozen=True)
class _Part:
    name: str
    crc32c: int
    size: int


class _CompositeUpload(MultipartWriter):
    """Parts as temporary objects, composed into the key on completion."""

    def __init__(self, store: GcsStorage, bucket: str, key: str, upload_id: str,
                 metadata: dict[str, str]):
        self.store, self.bucket, self.key, self.upload_id = store, bucket, key, upload_id
        self.metadata = metadata
        self.prefix = f"{TEMP_PREFIX}{upload_id}/"

    def _temporary(self, name: str):
        blob = self.store.client.bucket(self.bucket).blob(self.prefix + name)
        blob.metadata = {KEY_METADATA: self.key}
        return blob

    def upload_part(self, number: int, data: bytes) -> object:
        blob = self._temporary(f"{number:05d}")
        return _Part(blob.name, self.store._upload(blob, data), len(data))

    def complete(self, parts: list[object]) -> ObjectInfo:
        expected = crc.to_base64(reduce(lambda value, p: crc.combine(value, p.crc32c, p.size),
                                        parts, 0))
        target = self.store.client.bucket(self.bucket).blob(self.key)
        target.metadata, target.content_type = self.metadata, OCTET_STREAM
        try:
            with self.store._errors(self.bucket, self.key):
                self._compose([p.name for p in parts], target)
            if target.crc32c != expected:
                self.store.delete(self.bucket, self.key)
                raise ChecksumMismatch(self.store.uri(self.bucket, self.key), "crc32c", expected,
                                       str(target.crc32c))
        finally:
            self.abort()
        return _info(target)

    def _compose(self, names: list[str], target) -> None:
        """Compose ``names`` into ``target``, through intermediate objects above 32 sources."""
        bucket = self.store.client.bucket(self.bucket)
        level = 0
        with ThreadPoolExecutor(self.store.transfer_config().concurrency) as pool:
            while len(names) > MAX_COMPOSE:
                level += 1
                groups = [names[i:i + MAX_COMPOSE] for i in range(0, len(names), MAX_COMPOSE)]
                names = list(pool.map(partial(self._compose_group, level), range(len(groups)),
                                      groups))
        target.compose([bucket.blob(name) for name in names])

    def _compose_group(self, level: int, index: int, names: list[str]) -> str:
        blob = self._temporary(f"c{level}-{index:05d}")
        blob.compose([self.store.client.bucket(self.bucket).blob(name) for name in names])
        return blob.name

    def abort(self) -> None:
        # best effort: the bucket's lifecycle rule deletes whatever is left
        with contextlib.suppress(OctoupError):
            self.store._delete_all(self.bucket, self.prefix)

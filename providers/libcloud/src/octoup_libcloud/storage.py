"""Any Apache Libcloud storage driver: S3-compatible stores in full, the long tail portably.

URIs read ``libcloud+<driver>://<container>/<key>`` (``libcloud+minio://data/raw.csv``). The
key id and secret come from the environment variables named by ``key_env`` and ``secret_env``.

Drivers that speak the S3 REST API (``s3*``, ``minio``, ``digitalocean_spaces``, ``s3_rgw``,
``ovh``, ``scaleway``...) get everything through the driver's own signed connection: Content-MD5
on every PUT, parallel multipart uploads checked against the composite ETag, server-side
CopyObject (UploadPartCopy above 5 GiB) and the ``?uploads`` listing of abandoned uploads.
Every other driver uses libcloud's portable API only: one upload request per object (no
MULTIPART), ranged reads when the driver has them, copies streamed through this process (no
SERVER_SIDE_COPY), and no incomplete uploads to list or abort. libcloud has no portable bucket
tagging, so no driver claims BUCKET_TAGS.

A libcloud connection keeps per-request state, so each thread gets its own driver.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import inspect
import io
import mimetypes
import os
import re
import threading
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime
from email.utils import parsedate_to_datetime
from functools import cached_property, partial
from typing import BinaryIO
from urllib.parse import quote, urlsplit
from xml.sax.saxutils import escape

from octoup import secrets
from octoup.errors import (
    BucketNotFound,
    BucketNotOwned,
    ChecksumMismatch,
    CredentialsError,
    InvalidBucketName,
    ObjectNotFound,
    OctoupError,
    StorageError,
)
from octoup.provider import (
    BucketInfo,
    Capability,
    CredentialStatus,
    GiB,
    IncompleteUpload,
    MiB,
    MultipartWriter,
    ObjectInfo,
    StorageProvider,
)
from octoup.storage import naming
from octoup.storage.digest import content_md5
from octoup_libcloud import adaptor
from octoup_libcloud.settings import LibcloudSettings

COPY_OBJECT_LIMIT = 5 * GiB
COPY_PART_SIZE = 512 * MiB
STREAM_CHUNK = 4 * MiB
MD5_HEX = re.compile(r"^[0-9a-f]{32}$")
NAME_RULES = {"azure_blobs": naming.azure_problem, "google_storage": naming.gcs_problem}
"""Bucket naming rules by driver; every other driver gets S3's, the strictest common subset."""
IDENTIFIER_METADATA = {"azure_blobs"}
"""Drivers whose metadata names must be identifiers: a '-' in a name is stored as '__'."""


def _text(exc: Exception) -> str:
    """A libcloud exception's message without the driver repr (trimmed: it may hold XML)."""
    value = getattr(exc, "value", None) or getattr(exc, "message", None) or str(exc)
    return secrets.redact(" ".join(str(value).split()))[:300]


def _when(text: str | None) -> datetime | None:
    """ISO 8601 (listings) or HTTP dates (headers)."""
    if not text:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None


def _md5_hex(value: str | None) -> str | None:
    """An MD5 given as hex or as base64 (Content-MD5), as hex; None for anything else."""
    if not value:
        return None
    if MD5_HEX.match(value):
        return value
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw.hex() if len(raw) == 16 else None


def _child(node, name: str) -> str | None:
    """Text of the first direct child called ``name``, whatever its XML namespace."""
    for element in node:
        if element.tag.rsplit("}", 1)[-1] == name:
            return element.text or ""
    return None


def _content_type(key: str) -> str:
    return mimetypes.guess_type(key)[0] or "application/octet-stream"


def _meta_headers(metadata: Mapping[str, str] | None) -> dict[str, str]:
    return {f"x-amz-meta-{k}": v for k, v in (metadata or {}).items()}


class LibcloudStorage(StorageProvider):
    name = "libcloud"
    scheme = "libcloud"
    settings: LibcloudSettings

    def __init__(self, settings: LibcloudSettings, *, project: str | None = None):
        super().__init__(settings, project=project)
        self._local = threading.local()

    def uri(self, bucket: str, key: str = "") -> str:
        return f"{self.scheme}+{self.settings.driver}://{bucket}/{key}"

    # -- the driver ---------------------------------------------------------------------------

    @cached_property
    def driver_class(self) -> type:
        return adaptor.driver_class(self.settings.driver)

    @cached_property
    def s3_api(self) -> bool:
        """True when the driver speaks the S3 REST API (x-amz headers, multipart, CopyObject)."""
        cls = self.driver_class
        return (issubclass(cls, adaptor.libcloud().storage.drivers.s3.BaseS3StorageDriver)
                and cls.supports_s3_multipart_upload and cls.http_vendor_prefix == "x-amz")

    @cached_property
    def capabilities(self) -> frozenset[Capability]:
        if self.s3_api:
            return frozenset({Capability.STORAGE, Capability.MULTIPART, Capability.RANGED_READ,
                              Capability.SERVER_SIDE_COPY})
        base = adaptor.libcloud().storage.base.StorageDriver
        ranged = self.driver_class.download_object_range_as_stream is not (
            base.download_object_range_as_stream)
        return frozenset({Capability.STORAGE, *([Capability.RANGED_READ] if ranged else [])})

    @property
    def driver(self):
        """This thread's driver instance."""
        driver = getattr(self._local, "driver", None)
        if driver is None:
            driver = self._local.driver = self._connect()
        return driver

    def _hint(self) -> str:
        s = self.settings
        return (f"Set {s.key_env} (key id or account name) and {s.secret_env} (secret) for the "
                f"libcloud '{s.driver}' driver, or name other variables with "
                "clouds.libcloud.key_env / secret_env.")

    def _connect(self):
        s = self.settings
        cls = self.driver_class
        key, secret = os.environ.get(s.key_env), os.environ.get(s.secret_env)
        secrets.register(secret)
        if not key or not secret:
            raise CredentialsError(f"No credentials for the libcloud '{s.driver}' driver.",
                                   self._hint())
        kwargs: dict = dict(s.extra)
        if s.endpoint_url:
            url = urlsplit(s.endpoint_url)
            secure = url.scheme == "https"
            kwargs.update(host=url.hostname, port=url.port or (443 if secure else 80),
                          secure=secure)
        takes_region = "region" in inspect.signature(cls.__init__).parameters
        if s.region and takes_region:
            kwargs["region"] = s.region
        try:
            driver = cls(key, secret, **kwargs)
        except Exception as exc:  # bad region, malformed secret, unknown option in `extra`
            raise OctoupError(f"Cannot set up the libcloud '{s.driver}' driver: {_text(exc)}",
                              "Check clouds.libcloud.endpoint_url, region and extra, and the "
                              f"values of {s.key_env} / {s.secret_env}.") from None
        if s.region and self.s3_api:
            if not takes_region:  # e.g. minio: the region only signs requests
                driver.region_name = s.region
            if s.region != "us-east-1" and not driver.ex_location_name:
                driver.ex_location_name = s.region  # new buckets go to the configured region
        return driver

    def _container(self, bucket: str):
        return adaptor.libcloud().storage.base.Container(bucket, None, self.driver)

    def _object(self, bucket: str, key: str):
        """A handle naming an object, without the request ``get_object`` would make."""
        return adaptor.libcloud().storage.base.Object(key, 0, None, {}, {}, self._container(bucket),
                                                      self.driver)

    # -- errors -------------------------------------------------------------------------------

    @contextmanager
    def _errors(self, uri: str):
        lc = adaptor.libcloud()
        types = lc.storage.types
        try:
            yield
        except types.ContainerDoesNotExistError:
            raise BucketNotFound(uri) from None
        except types.ObjectDoesNotExistError:
            raise ObjectNotFound(uri) from None
        except types.ObjectHashMismatchError:
            raise ChecksumMismatch(uri, "md5", "the uploaded bytes' md5", "another hash") from None
        except types.ContainerIsNotEmptyError:
            raise StorageError(f"Bucket {uri} is not empty.", "Delete its objects first.") from None
        except lc.common.types.InvalidCredsError:
            raise CredentialsError(f"The '{self.settings.driver}' service rejected the "
                                   f"credentials for {uri}.", self._hint()) from None
        except (lc.common.types.LibcloudError, lc.common.exceptions.BaseHTTPError) as exc:
            raise StorageError(f"libcloud '{self.settings.driver}' error on {uri}: "
                               f"{_text(exc)}") from None
        except OSError as exc:  # requests' connection errors are OSErrors
            where = self.settings.endpoint_url or f"the '{self.settings.driver}' default endpoint"
            raise StorageError(f"Cannot reach {where} for {uri} ({type(exc).__name__}).",
                               "Check clouds.libcloud.endpoint_url and your network.") from None

    def _s3(self, method: str, bucket: str, key: str | None = None, *, params=None, headers=None,
            data: bytes | None = None, ok: tuple[int, ...] = (200,)):
        """One request through the driver's signed connection; S3 errors become octoup's."""
        driver = self.driver
        container = self._container(bucket)
        path = (driver._get_container_path(container) if key is None
                else driver._get_object_path(container, key))
        uri = self.uri(bucket, key or "")
        with self._errors(uri):
            response = driver.connection.request(path, method=method, params=params or {},
                                                 headers=headers or {}, data=data)
        body = response.object
        failed = hasattr(body, "tag") and body.tag.rsplit("}", 1)[-1] == "Error"
        if response.status in ok and not failed:  # CopyObject may fail with a 200 status
            return response
        code = _child(body, "Code") if hasattr(body, "tag") else None
        if code == "NoSuchBucket":
            raise BucketNotFound(self.uri(bucket))
        if code == "NoSuchKey" or response.status == 404:
            raise ObjectNotFound(uri)
        if code in {"BadDigest", "InvalidDigest"}:
            raise ChecksumMismatch(uri, "md5", "the sent Content-MD5", "a different body")
        if code == "NoSuchUpload":
            raise StorageError(f"The multipart upload for {uri} no longer exists.",
                               "It was aborted or completed elsewhere; retry the transfer.")
        message = _child(body, "Message") if hasattr(body, "tag") else None
        raise StorageError(f"S3 error on {uri}: {response.status} {code or ''} {message or ''}"
                           .strip())

    # -- credentials and buckets ----------------------------------------------------------------

    def check_credentials(self) -> CredentialStatus:
        s = self.settings
        try:
            title = self.driver_class.name
        except OctoupError as exc:
            return CredentialStatus(False, exc.message, exc.hint)
        secrets.register(os.environ.get(s.secret_env))
        missing = [name for name in (s.key_env, s.secret_env) if not os.environ.get(name)]
        if missing:
            return CredentialStatus(False, f"{' and '.join(missing)} not set for the libcloud "
                                           f"'{s.driver}' driver", self._hint())
        where = f" at {s.endpoint_url}" if s.endpoint_url else ""
        return CredentialStatus(True, f"environment ({s.key_env}, {s.secret_env}) for the "
                                      f"'{s.driver}' driver ({title}){where}")

    def bucket_name_problem(self, name: str) -> str | None:
        return NAME_RULES.get(self.settings.driver, naming.s3_problem)(name)

    def ensure_bucket(self, name: str, *, tags: Mapping[str, str] | None = None) -> BucketInfo:
        """Create the container when missing. ``tags`` are not applied: libcloud has no portable
        bucket tagging, so the result's tags are always empty (and BUCKET_TAGS is not claimed)."""
        self.validate_bucket_name(name)
        uri = self.uri(name)
        types = adaptor.libcloud().storage.types
        created = False
        if not self._bucket_exists(name):
            with self._errors(uri):
                try:
                    self.driver.create_container(name)
                    created = True
                except types.ContainerAlreadyExistsError:  # made by us in the meantime
                    pass
                except types.InvalidContainerNameError as exc:
                    if self.s3_api:  # how libcloud's S3 driver reports a name taken by others
                        raise BucketNotOwned(uri) from None
                    raise InvalidBucketName(self.name, name, _text(exc)) from None
        return BucketInfo(self.name, name, uri, self.settings.region, created, {})

    def _bucket_exists(self, name: str) -> bool:
        driver = self.driver  # missing credentials fail here, not as someone else's bucket
        if self.s3_api:
            try:
                return self._s3("HEAD", name, ok=(200, 404)).status == 200
            except CredentialsError:  # 403: the bucket is someone else's
                raise BucketNotOwned(self.uri(name)) from None
        with self._errors(self.uri(name)):
            try:
                driver.get_container(name)
            except adaptor.libcloud().storage.types.ContainerDoesNotExistError:
                return False
        return True

    def delete_bucket(self, name: str) -> None:
        uri = self.uri(name)
        with self._errors(uri):
            if not self.driver.delete_container(self._container(name)):
                raise StorageError(f"The '{self.settings.driver}' service did not delete {uri}.")

    # -- objects ------------------------------------------------------------------------------

    def _meta_out(self, metadata: Mapping[str, str] | None) -> dict[str, str]:
        if self.settings.driver in IDENTIFIER_METADATA:
            return {k.replace("-", "__"): v for k, v in (metadata or {}).items()}
        return dict(metadata or {})

    def _meta_in(self, metadata: Mapping[str, object]) -> dict[str, str]:
        if self.settings.driver in IDENTIFIER_METADATA:
            return {k.replace("__", "-"): str(v) for k, v in metadata.items()}
        return {k: str(v) for k, v in metadata.items()}

    def _info(self, obj, metadata: bool = True) -> ObjectInfo:
        etag = (obj.hash or obj.extra.get("etag") or "").strip('"') or None
        md5 = etag if etag and self.driver_class.hash_type == "md5" and MD5_HEX.match(etag) else (
            _md5_hex(obj.extra.get("md5_hash")))  # Azure: Content-MD5 beside an opaque etag
        return ObjectInfo(key=obj.name, size=int(obj.size), etag=etag,
                          checksums={"md5": md5} if md5 else {},
                          last_modified=_when(obj.extra.get("last_modified")),
                          metadata=self._meta_in(obj.meta_data) if metadata else {})

    def list(self, bucket: str, prefix: str = "") -> Iterator[ObjectInfo]:
        """S3-API listings arrive in key order, page by page; other drivers' are sorted here."""
        with self._errors(self.uri(bucket, prefix)):
            container = self.driver.get_container(bucket)
            objects = self.driver.iterate_container_objects(container, prefix=prefix or None)
            if not self.s3_api:
                objects = sorted(objects, key=lambda o: o.name.encode())
            for obj in objects:
                yield self._info(obj, metadata=False)  # listings carry no user metadata

    def stat(self, bucket: str, key: str) -> ObjectInfo:
        with self._errors(self.uri(bucket, key)):
            return self._info(self.driver.get_object(bucket, key))

    def read(self, bucket: str, key: str, start: int = 0, length: int | None = None) -> bytes:
        if length == 0:
            return b""
        end = None if length is None else start + length
        whole = start == 0 and end is None
        if not whole and Capability.RANGED_READ not in self.capabilities:
            return self.read(bucket, key)[start:end]  # the driver has no ranged GET
        obj = self._object(bucket, key)
        with self._errors(self.uri(bucket, key)):
            if whole:  # a range would fail on an empty object
                return b"".join(self.driver.download_object_as_stream(obj))
            return b"".join(self.driver.download_object_range_as_stream(obj, start, end))

    def open(self, bucket: str, key: str) -> BinaryIO:
        uri = self.uri(bucket, key)
        with self._errors(uri):
            chunks = self.driver.download_object_as_stream(self._object(bucket, key))
        return io.BufferedReader(_ChunkReader(self, uri, chunks), STREAM_CHUNK)

    def put(self, bucket: str, key: str, data: bytes,
            metadata: Mapping[str, str] | None = None) -> ObjectInfo:
        """One request; S3-API drivers send Content-MD5, and every returned MD5 is checked."""
        uri = self.uri(bucket, key)
        raw_md5 = hashlib.md5(data).digest()
        md5 = raw_md5.hex()
        if self.s3_api:
            headers = {"Content-MD5": content_md5(raw_md5), "Content-Type": _content_type(key),
                       **_meta_headers(metadata)}
            response = self._s3("PUT", bucket, key, headers=headers, data=data)
            etag = response.headers.get("etag", "").strip('"') or None
            info = ObjectInfo(key, len(data), etag,
                              {"md5": etag} if etag and MD5_HEX.match(etag) else {})
        else:
            with self._errors(uri):
                info = self._info(self.driver.upload_object_via_stream(
                    iter([data]), self._container(bucket), key,
                    extra={"meta_data": self._meta_out(metadata)}))
        got = info.checksums.get("md5")
        if got and got != md5:
            self.delete(bucket, key)
            raise ChecksumMismatch(uri, "md5", md5, got)
        return info

    def begin_multipart(self, bucket: str, key: str,
                        metadata: Mapping[str, str] | None = None) -> MultipartWriter:
        """S3-API drivers only; for others MULTIPART is not claimed and the engine never asks."""
        if not self.s3_api:
            raise StorageError(f"The libcloud '{self.settings.driver}' driver has no multipart "
                               "upload octoup can drive.", "Upload the object in one request.")
        headers = {"Content-Type": _content_type(key), **_meta_headers(metadata)}
        response = self._s3("POST", bucket, key, params={"uploads": ""}, headers=headers)
        return _S3Multipart(self, bucket, key, _child(response.object, "UploadId"))

    def copy(self, src_bucket: str, src_key: str, dst_bucket: str, dst_key: str) -> ObjectInfo:
        """S3-API drivers copy server-side (CopyObject, parallel UploadPartCopy above 5 GiB).
        libcloud has no portable copy, so other drivers stream the bytes through this process."""
        source = self.stat(src_bucket, src_key)
        if not self.s3_api:
            return self._streamed_copy(source, src_bucket, dst_bucket, dst_key)
        copy_source = f"/{src_bucket}/{quote(src_key, safe='/~')}"
        if source.size <= COPY_OBJECT_LIMIT:
            self._s3("PUT", dst_bucket, dst_key, headers={"x-amz-copy-source": copy_source})
        else:
            self._copy_in_parts(copy_source, source, dst_bucket, dst_key)
        return self.stat(dst_bucket, dst_key)

    def _copy_in_parts(self, copy_source: str, source: ObjectInfo, bucket: str, key: str,
                       part_size: int = COPY_PART_SIZE) -> None:
        writer = self.begin_multipart(bucket, key, source.metadata)

        def part(number: int) -> tuple[int, str]:
            start = (number - 1) * part_size
            end = min(start + part_size, source.size) - 1
            response = self._s3("PUT", bucket, key, params={
                "partNumber": str(number), "uploadId": writer.upload_id}, headers={
                "x-amz-copy-source": copy_source, "x-amz-copy-source-range": f"bytes={start}-{end}"})
            return number, _child(response.object, "ETag") or ""

        try:
            with ThreadPoolExecutor(self.transfer_config().concurrency) as pool:
                parts = list(pool.map(part, range(1, -(-source.size // part_size) + 1)))
            writer.assemble(parts)
        except BaseException:
            writer.abort()
            raise

    def _streamed_copy(self, source: ObjectInfo, src_bucket: str, dst_bucket: str,
                       dst_key: str) -> ObjectInfo:
        uri = self.uri(dst_bucket, dst_key)
        with self.open(src_bucket, source.key) as stream, self._errors(uri):
            self.driver.upload_object_via_stream(
                iter(partial(stream.read, STREAM_CHUNK), b""), self._container(dst_bucket),
                dst_key, extra={"meta_data": self._meta_out(source.metadata)})
        info = self.stat(dst_bucket, dst_key)
        want, got = source.checksums.get("md5"), info.checksums.get("md5")
        if info.size != source.size or (want and got and want != got):
            self.delete(dst_bucket, dst_key)
            raise ChecksumMismatch(uri, "md5", str(want), str(got))
        return info

    def delete(self, bucket: str, key: str) -> None:
        uri = self.uri(bucket, key)
        with self._errors(uri), contextlib.suppress(
                adaptor.libcloud().storage.types.ObjectDoesNotExistError):
            if not self.driver.delete_object(self._object(bucket, key)):
                raise StorageError(f"The '{self.settings.driver}' service did not delete {uri}.")

    def list_incomplete(self, bucket: str, prefix: str = "") -> list[IncompleteUpload]:
        """S3-API drivers: the ``?uploads`` listing, every page. Other drivers upload each object
        in one request and leave nothing behind, so the answer is always []."""
        if not self.s3_api:
            return []
        uploads = []
        params = {"uploads": "", **({"prefix": prefix} if prefix else {})}
        while True:
            root = self._s3("GET", bucket, params=params).object
            for node in root:
                if node.tag.rsplit("}", 1)[-1] == "Upload":
                    uploads.append(IncompleteUpload(_child(node, "Key") or "",
                                                    _child(node, "UploadId") or "",
                                                    _when(_child(node, "Initiated"))))
            if (_child(root, "IsTruncated") or "").lower() != "true":
                return uploads
            params.update({"key-marker": _child(root, "NextKeyMarker") or "",
                           "upload-id-marker": _child(root, "NextUploadIdMarker") or ""})

    def abort_incomplete(self, bucket: str, upload: IncompleteUpload) -> None:
        """Abort an S3 multipart upload; a no-op for other drivers (they have none)."""
        if self.s3_api:
            self._s3("DELETE", bucket, upload.key, params={"uploadId": upload.upload_id},
                     ok=(204,))


class _ChunkReader(io.RawIOBase):
    """A raw binary stream over a libcloud download iterator."""

    def __init__(self, store: LibcloudStorage, uri: str, chunks: Iterator[bytes]):
        self.store, self.uri, self.chunks = store, uri, chunks
        self.pending = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self.pending:
            with self.store._errors(self.uri):
                chunk = next(self.chunks, None)
            if chunk is None:
                return 0
            self.pending = chunk
        n = min(len(buffer), len(self.pending))
        buffer[:n] = self.pending[:n]
        self.pending = self.pending[n:]
        return n


class _S3Multipart(MultipartWriter):
    def __init__(self, store: LibcloudStorage, bucket: str, key: str, upload_id: str | None):
        if not upload_id:
            raise StorageError(f"No upload id came back for {store.uri(bucket, key)}.")
        self.store, self.bucket, self.key, self.upload_id = store, bucket, key, upload_id
        self._md5s: dict[int, bytes] = {}
        self._lock = threading.Lock()

    def upload_part(self, number: int, data: bytes) -> object:
        digest = hashlib.md5(data).digest()
        response = self.store._s3("PUT", self.bucket, self.key, data=data,
                                  params={"partNumber": str(number), "uploadId": self.upload_id},
                                  headers={"Content-MD5": content_md5(digest)})
        with self._lock:
            self._md5s[number] = digest
        return number, response.headers["etag"]

    def assemble(self, parts: list) -> str:
        """CompleteMultipartUpload; returns the final ETag."""
        body = "".join(f"<Part><PartNumber>{n}</PartNumber><ETag>{escape(etag)}</ETag></Part>"
                       for n, etag in parts)
        response = self.store._s3(
            "POST", self.bucket, self.key, params={"uploadId": self.upload_id},
            data=f"<CompleteMultipartUpload>{body}</CompleteMultipartUpload>".encode())
        return (_child(response.object, "ETag") or "").strip('"')

    def complete(self, parts: list[object]) -> ObjectInfo:
        etag = self.assemble(parts)
        expected = (hashlib.md5(b"".join(self._md5s[n] for n in sorted(self._md5s))).hexdigest()
                    + f"-{len(parts)}")
        if etag != expected:
            self.store.delete(self.bucket, self.key)
            raise ChecksumMismatch(self.store.uri(self.bucket, self.key), "multipart etag",
                                   expected, etag)
        return self.store.stat(self.bucket, self.key)

    def abort(self) -> None:
        with contextlib.suppress(Exception):  # best effort: the upload may be gone already
            self.store._s3("DELETE", self.bucket, self.key, params={"uploadId": self.upload_id},
                           ok=(204,))

"""Amazon S3 (and S3-compatible endpoints) through boto3.

Every request carries Content-MD5 so S3 rejects corrupted bodies; completed multipart uploads
are checked against the composite ETag (MD5 of the part MD5s). Server-side copies use
CopyObject up to 5 GiB and parallel UploadPartCopy above.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import threading
import zlib
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import cached_property
from typing import BinaryIO

from octoup.errors import (
    BucketNotFound,
    BucketNotOwned,
    ChecksumMismatch,
    CredentialsError,
    ObjectNotFound,
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
from octoup_aws import adaptor
from octoup_aws.settings import AwsSettings

COPY_OBJECT_LIMIT = 5 * GiB
COPY_PART_SIZE = 512 * MiB
ABORT_AFTER_DAYS = 7

CREDENTIAL_CODES = {"InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken",
                    "InvalidToken", "AccessDenied", "AuthorizationHeaderMalformed"}
CREDENTIALS_HINT = ("Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE "
                    "(see `aws configure`), or run where an IAM role is attached.")


def _strip(etag: str | None) -> str | None:
    return etag.strip('"') if etag else etag


def _info(key: str, size: int, etag: str | None, **extra) -> ObjectInfo:
    etag = _strip(etag)
    checksums = {"md5": etag} if etag and "-" not in etag else {}
    return ObjectInfo(key=key, size=size, etag=etag, checksums=checksums, **extra)


def _head_info(key: str, head: Mapping) -> ObjectInfo:
    return _info(key, head["ContentLength"], head.get("ETag"), last_modified=head.get("LastModified"),
                 version_id=head.get("VersionId"), metadata=head.get("Metadata", {}))


class S3Storage(StorageProvider):
    name = "aws"
    scheme = "s3"
    capabilities = frozenset({Capability.STORAGE, Capability.MULTIPART, Capability.RANGED_READ,
                              Capability.SERVER_SIDE_COPY, Capability.BUCKET_TAGS})
    settings: AwsSettings

    @cached_property
    def session(self):
        return adaptor.boto3().session.Session(profile_name=self.settings.profile,
                                               region_name=self.settings.region)

    @cached_property
    def client(self):
        concurrency = self.transfer_config().concurrency
        style = self.settings.addressing_style or ("path" if self.settings.endpoint_url else None)
        config = adaptor.botocore_config(
            max_pool_connections=max(10, concurrency * 2),
            retries={"max_attempts": 5, "mode": "standard"},
            s3={"addressing_style": style} if style else {},
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        )
        with self._errors("s3://"):
            return self.session.client("s3", endpoint_url=self.settings.endpoint_url,
                                       config=config)

    @property
    def region(self) -> str:
        return self.settings.region or self.session.region_name or "us-east-1"

    # -- errors -------------------------------------------------------------------------------

    @contextmanager
    def _errors(self, uri: str, *, bucket_level: bool = False):
        exc_mod = adaptor.botocore_exceptions()
        try:
            yield
        except exc_mod.NoCredentialsError:
            raise CredentialsError("No AWS credentials found.", CREDENTIALS_HINT) from None
        except exc_mod.ProfileNotFound as exc:
            raise CredentialsError(f"AWS profile not found: {exc.kwargs.get('profile')}.",
                                   "Check `profile` in octoup.toml or AWS_PROFILE.") from None
        except exc_mod.EndpointConnectionError as exc:
            raise StorageError(f"Cannot reach S3 at {exc.kwargs.get('endpoint_url')}.",
                               "Check clouds.aws.endpoint_url and your network.") from None
        except exc_mod.ClientError as exc:
            raise self._translate(exc, uri, bucket_level) from None

    def _translate(self, exc, uri: str, bucket_level: bool) -> Exception:
        error = exc.response.get("Error", {})
        code = str(error.get("Code", ""))
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        if code in CREDENTIAL_CODES or (status == 403 and not bucket_level):
            return CredentialsError(f"AWS rejected the credentials for {uri} ({code}).",
                                    CREDENTIALS_HINT)
        if code == "NoSuchBucket" or (bucket_level and status == 404):
            return BucketNotFound(uri)
        if code in {"NoSuchKey", "404", "NotFound"} or status == 404:
            return ObjectNotFound(uri)
        if code in {"BucketAlreadyExists"} or (bucket_level and status == 403):
            return BucketNotOwned(uri)
        if code in {"BadDigest", "InvalidDigest"}:
            return ChecksumMismatch(uri, "md5", "the sent Content-MD5", "a different body")
        if code == "NoSuchUpload":
            return StorageError(f"The multipart upload for {uri} no longer exists.",
                                "It was aborted or completed elsewhere; retry the copy.")
        return StorageError(f"S3 error on {uri}: {code} {error.get('Message', '')}".strip())

    # -- credentials and buckets ----------------------------------------------------------------

    def check_credentials(self) -> CredentialStatus:
        try:
            credentials = self.session.get_credentials()
        except Exception as exc:  # a broken profile is reported, not raised
            return CredentialStatus(False, f"unusable AWS configuration: {type(exc).__name__}",
                                    CREDENTIALS_HINT)
        if credentials is None:
            return CredentialStatus(False, "no AWS credentials found", CREDENTIALS_HINT)
        where = f" at {self.settings.endpoint_url}" if self.settings.endpoint_url else ""
        return CredentialStatus(True, f"{credentials.method}{where}")

    def ensure_bucket(self, name: str, *, tags: Mapping[str, str] | None = None) -> BucketInfo:
        self.validate_bucket_name(name)
        uri = self.uri(name)
        wanted = {**self.project_tags(), **(tags or {})}
        created = False
        with self._errors(uri, bucket_level=True):
            try:
                self.client.head_bucket(Bucket=name)
            except adaptor.botocore_exceptions().ClientError as exc:
                status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
                if status == 403:
                    self._raise_if_credentials_rejected()
                if status != 404:
                    raise
                created = self._create_bucket(name)
            current = self._tags(name)
            if created or any(current.get(k) != v for k, v in wanted.items()):
                current.update(wanted)
                self.client.put_bucket_tagging(Bucket=name, Tagging={
                    "TagSet": [{"Key": k, "Value": v} for k, v in current.items()]})
        return BucketInfo(self.name, name, uri, self.region, created, current)

    def _raise_if_credentials_rejected(self) -> None:
        """A HEAD 403 has no error code: ask once more to tell bad keys from a foreign bucket."""
        try:
            self.client.list_buckets()
        except adaptor.botocore_exceptions().ClientError as exc:
            code = exc.response.get("Error", {}).get("Code")
            if code in CREDENTIAL_CODES - {"AccessDenied"}:
                raise CredentialsError(f"AWS rejected the credentials ({code}).",
                                       CREDENTIALS_HINT) from None

    def _create_bucket(self, name: str) -> bool:
        kwargs = {"Bucket": name}
        if self.region != "us-east-1":
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": self.region}
        try:
            self.client.create_bucket(**kwargs)
        except adaptor.botocore_exceptions().ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "BucketAlreadyOwnedByYou":
                return False
            raise
        # S3 itself cleans up parts of uploads that a crash left behind
        self.client.put_bucket_lifecycle_configuration(Bucket=name, LifecycleConfiguration={
            "Rules": [{"ID": "octoup-abort-incomplete-uploads", "Status": "Enabled",
                       "Filter": {"Prefix": ""},
                       "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": ABORT_AFTER_DAYS}}]})
        return True

    def _tags(self, name: str) -> dict[str, str]:
        try:
            response = self.client.get_bucket_tagging(Bucket=name)
        except adaptor.botocore_exceptions().ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in {"NoSuchTagSet", "NoSuchTagSetError"}:
                return {}
            raise
        return {t["Key"]: t["Value"] for t in response.get("TagSet", [])}

    def delete_bucket(self, name: str) -> None:
        with self._errors(self.uri(name), bucket_level=True):
            self.client.delete_bucket(Bucket=name)

    # -- objects ------------------------------------------------------------------------------

    def list(self, bucket: str, prefix: str = "") -> Iterator[ObjectInfo]:
        with self._errors(self.uri(bucket, prefix), bucket_level=True):
            pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=bucket,
                                                                         Prefix=prefix)
            for page in pages:
                for item in page.get("Contents", []):
                    yield _info(item["Key"], item["Size"], item.get("ETag"),
                                last_modified=item.get("LastModified"))

    def direct_url(self, bucket: str, key: str, *, expires: int = 3600) -> str | None:
        """A presigned GET URL (signed locally: no request is made)."""
        return self.client.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key},
                                                  ExpiresIn=expires)

    def stat(self, bucket: str, key: str) -> ObjectInfo:
        with self._errors(self.uri(bucket, key)):
            head = self.client.head_object(Bucket=bucket, Key=key)
        return _head_info(key, head)

    def read(self, bucket: str, key: str, start: int = 0, length: int | None = None) -> bytes:
        if length == 0:
            return b""
        extra = {}
        if start or length is not None:
            end = "" if length is None else str(start + length - 1)
            extra["Range"] = f"bytes={start}-{end}"
        with self._errors(self.uri(bucket, key)):
            return self.client.get_object(Bucket=bucket, Key=key, **extra)["Body"].read()

    def open(self, bucket: str, key: str) -> BinaryIO:
        with self._errors(self.uri(bucket, key)):
            return self.client.get_object(Bucket=bucket, Key=key)["Body"]

    # -- request integrity: S3 rejects a body that does not match the checksum sent with it --

    def _digest(self, data: bytes) -> bytes:
        if self.settings.checksum == "md5":
            return hashlib.md5(data).digest()
        return zlib.crc32(data).to_bytes(4, "big")

    def _checksum_args(self, digest: bytes) -> dict[str, str]:
        value = base64.b64encode(digest).decode()
        return {"ContentMD5": value} if self.settings.checksum == "md5" else {"ChecksumCRC32": value}

    def _check_reported(self, uri: str, digest: bytes, response: Mapping) -> None:
        """Compare what S3 says it stored with what was sent (when it says anything)."""
        if self.settings.checksum == "md5":
            expected, got = digest.hex(), _strip(response.get("ETag"))
            if got and "-" in got:
                return
        else:
            expected, got = base64.b64encode(digest).decode(), response.get("ChecksumCRC32")
            got = got.split("-")[0] if got else got
        if got and got != expected:
            raise ChecksumMismatch(uri, self.settings.checksum, expected, got)

    def put(self, bucket: str, key: str, data: bytes,
            metadata: Mapping[str, str] | None = None) -> ObjectInfo:
        digest = self._digest(data)
        with self._errors(self.uri(bucket, key)):
            response = self.client.put_object(Bucket=bucket, Key=key, Body=data,
                                              Metadata=dict(metadata or {}),
                                              **self._checksum_args(digest))
        try:
            self._check_reported(self.uri(bucket, key), digest, response)
        except ChecksumMismatch:
            self.delete(bucket, key)
            raise
        return _info(key, len(data), response.get("ETag"), version_id=response.get("VersionId"))

    def begin_multipart(self, bucket: str, key: str,
                        metadata: Mapping[str, str] | None = None) -> MultipartWriter:
        with self._errors(self.uri(bucket, key)):
            algorithm = {} if self.settings.checksum == "md5" else {"ChecksumAlgorithm": "CRC32"}
            response = self.client.create_multipart_upload(Bucket=bucket, Key=key,
                                                           Metadata=dict(metadata or {}),
                                                           **algorithm)
        return _S3Multipart(self, bucket, key, response["UploadId"])

    def copy(self, src_bucket: str, src_key: str, dst_bucket: str, dst_key: str) -> ObjectInfo:
        source = self.stat(src_bucket, src_key)
        with self._errors(self.uri(dst_bucket, dst_key)):
            if source.size <= COPY_OBJECT_LIMIT:
                self.client.copy_object(Bucket=dst_bucket, Key=dst_key,
                                        CopySource={"Bucket": src_bucket, "Key": src_key})
            else:
                self._copy_in_parts(src_bucket, src_key, dst_bucket, dst_key, source.size)
        return self.stat(dst_bucket, dst_key)

    def _copy_in_parts(self, src_bucket: str, src_key: str, dst_bucket: str, dst_key: str,
                       size: int) -> None:
        """UploadPartCopy in parallel: for objects above CopyObject's 5 GiB limit."""
        part_size = COPY_PART_SIZE
        writer = self.begin_multipart(dst_bucket, dst_key)
        source = {"Bucket": src_bucket, "Key": src_key}

        def part(number: int) -> dict:
            start = (number - 1) * part_size
            end = min(start + part_size, size) - 1
            response = self.client.upload_part_copy(
                Bucket=dst_bucket, Key=dst_key, UploadId=writer.upload_id, PartNumber=number,
                CopySource=source, CopySourceRange=f"bytes={start}-{end}")
            return {"PartNumber": number, "ETag": response["CopyPartResult"]["ETag"]}

        count = -(-size // part_size)
        try:
            with ThreadPoolExecutor(self.transfer_config().concurrency) as pool:
                parts = list(pool.map(part, range(1, count + 1)))
            self.client.complete_multipart_upload(Bucket=dst_bucket, Key=dst_key,
                                                  UploadId=writer.upload_id,
                                                  MultipartUpload={"Parts": parts})
        except BaseException:
            writer.abort()
            raise

    def delete(self, bucket: str, key: str) -> None:
        with self._errors(self.uri(bucket, key)):
            self.client.delete_object(Bucket=bucket, Key=key)

    def list_incomplete(self, bucket: str, prefix: str = "") -> list[IncompleteUpload]:
        uploads = []
        with self._errors(self.uri(bucket, prefix), bucket_level=True):
            pages = self.client.get_paginator("list_multipart_uploads").paginate(Bucket=bucket,
                                                                                Prefix=prefix)
            for page in pages:
                for item in page.get("Uploads", []):
                    uploads.append(IncompleteUpload(item["Key"], item["UploadId"],
                                                    item.get("Initiated")))
        return uploads

    def abort_incomplete(self, bucket: str, upload: IncompleteUpload) -> None:
        with self._errors(self.uri(bucket, upload.key)):
            self.client.abort_multipart_upload(Bucket=bucket, Key=upload.key,
                                               UploadId=upload.upload_id)


class _S3Multipart(MultipartWriter):
    def __init__(self, store: S3Storage, bucket: str, key: str, upload_id: str):
        self.store, self.bucket, self.key, self.upload_id = store, bucket, key, upload_id
        self._digests: dict[int, bytes] = {}
        self._lock = threading.Lock()

    def upload_part(self, number: int, data: bytes) -> object:
        digest = self.store._digest(data)
        checksum = self.store._checksum_args(digest)
        with self.store._errors(self.store.uri(self.bucket, self.key)):
            response = self.store.client.upload_part(
                Bucket=self.bucket, Key=self.key, UploadId=self.upload_id, PartNumber=number,
                Body=data, **checksum)
        with self._lock:
            self._digests[number] = digest
        part = {"PartNumber": number, "ETag": response["ETag"]}
        return part | {k: v for k, v in checksum.items() if k != "ContentMD5"}

    def complete(self, parts: list[object]) -> ObjectInfo:
        """Assemble, then check S3's whole-object answer: the ETag (MD5 of the part MD5s) or
        the composite CRC32 (CRC32 of the part CRC32s)."""
        uri = self.store.uri(self.bucket, self.key)
        client = self.store.client
        with self.store._errors(uri):
            response = client.complete_multipart_upload(
                Bucket=self.bucket, Key=self.key, UploadId=self.upload_id,
                MultipartUpload={"Parts": parts})
            head = client.head_object(Bucket=self.bucket, Key=self.key, ChecksumMode="ENABLED")
        joined = b"".join(self._digests[n] for n in sorted(self._digests))
        if self.store.settings.checksum == "md5":
            expected = hashlib.md5(joined).hexdigest() + f"-{len(parts)}"
            got = _strip(response.get("ETag"))
        else:
            expected = base64.b64encode(zlib.crc32(joined).to_bytes(4, "big")).decode()
            got = response.get("ChecksumCRC32") or head.get("ChecksumCRC32")
            got = got.split("-")[0] if got else expected  # stores that keep no checksum
        if got != expected:
            self.store.delete(self.bucket, self.key)
            raise ChecksumMismatch(uri, f"multipart {self.store.settings.checksum}", expected,
                                   str(got))
        return _head_info(self.key, head)

    def abort(self) -> None:
        # best effort: the bucket's lifecycle rule removes whatever is left
        with contextlib.suppress(Exception):
            self.store.client.abort_multipart_upload(Bucket=self.bucket, Key=self.key,
                                                     UploadId=self.upload_id)

"""A real object store in a folder: buckets, flat keys, metadata, multipart, atomic writes.

Layout of one bucket::

    <root>/<bucket>/bucket.json          tags and creation time
    <root>/<bucket>/objects/<name>       the bytes
    <root>/<bucket>/meta/<name>.json     key, size, md5, sha256, user metadata, mtime
    <root>/<bucket>/uploads/<id>/        parts of a multipart upload in progress
    <root>/<bucket>/tmp/                 writes in flight (renamed into place when complete)

``<name>`` is the percent-encoded key, so ``a`` and ``a/b`` can coexist as in any object store;
keys too long for a file name are stored under ``@<sha256 of key>``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO
from urllib.parse import quote, unquote

from octoup.errors import BucketNotFound, ObjectNotFound, StorageError
from octoup.local.settings import LocalSettings
from octoup.provider import (
    BucketInfo,
    Capability,
    CredentialStatus,
    IncompleteUpload,
    MultipartWriter,
    ObjectInfo,
    StorageProvider,
)

MAX_NAME = 200
CHUNK = 4 * 2**20


def _name(key: str) -> str:
    name = quote(key, safe="")
    return name if len(name) <= MAX_NAME else "@" + hashlib.sha256(key.encode()).hexdigest()


class LocalStorage(StorageProvider):
    name = "local"
    scheme = "local"
    capabilities = frozenset({Capability.STORAGE, Capability.MULTIPART, Capability.RANGED_READ,
                              Capability.SERVER_SIDE_COPY, Capability.BUCKET_TAGS})
    min_part_size = 1
    settings: LocalSettings

    @property
    def root(self) -> Path:
        return self.settings.root_path()

    def check_credentials(self) -> CredentialStatus:
        return CredentialStatus(True, f"none needed (buckets in {self.root})")

    # -- buckets ------------------------------------------------------------------------------

    def _bucket(self, bucket: str) -> Path:
        self.validate_bucket_name(bucket)
        path = self.root / bucket
        if not (path / "bucket.json").is_file():
            raise BucketNotFound(self.uri(bucket))
        return path

    def ensure_bucket(self, name: str, *, tags: Mapping[str, str] | None = None) -> BucketInfo:
        self.validate_bucket_name(name)
        path = self.root / name
        marker = path / "bucket.json"
        tags = {**self.project_tags(), **(tags or {})}
        if marker.is_file():
            existing = json.loads(marker.read_text())
            return BucketInfo("local", name, self.uri(name), "local", False, existing["tags"])
        for sub in ("objects", "meta", "uploads", "tmp"):
            (path / sub).mkdir(parents=True, exist_ok=True)
        record = {"tags": tags, "created": datetime.now(UTC).isoformat()}
        tmp = path / "tmp" / f"bucket-{uuid.uuid4().hex}"
        tmp.write_text(json.dumps(record))
        os.replace(tmp, marker)
        return BucketInfo("local", name, self.uri(name), "local", True, tags)

    def delete_bucket(self, name: str) -> None:
        path = self._bucket(name)
        if any((path / "meta").iterdir()):
            raise StorageError(f"Bucket {self.uri(name)} is not empty.",
                               "Delete its objects first.")
        shutil.rmtree(path)

    # -- objects ------------------------------------------------------------------------------

    def _info(self, meta: dict) -> ObjectInfo:
        return ObjectInfo(
            key=meta["key"], size=meta["size"], etag=meta["md5"],
            checksums={"md5": meta["md5"], "sha256": meta["sha256"]},
            last_modified=datetime.fromisoformat(meta["mtime"]),
            metadata=meta.get("metadata", {}),
        )

    def _meta(self, bucket_path: Path, key: str) -> dict:
        try:
            return json.loads((bucket_path / "meta" / f"{_name(key)}.json").read_text())
        except FileNotFoundError:
            raise ObjectNotFound(self.uri(bucket_path.name, key)) from None

    def list(self, bucket: str, prefix: str = "") -> Iterator[ObjectInfo]:
        meta_dir = self._bucket(bucket) / "meta"
        entries = []
        for entry in os.scandir(meta_dir):
            stem = entry.name.removesuffix(".json")
            key = None if stem.startswith("@") else unquote(stem)
            if key is not None and not key.startswith(prefix):
                continue
            try:
                meta = json.loads(Path(entry.path).read_text())
            except FileNotFoundError:  # deleted since the folder was read: not listed, as on a cloud
                continue
            if meta["key"].startswith(prefix):
                entries.append(meta)
        for meta in sorted(entries, key=lambda m: m["key"]):
            yield self._info(meta)

    def stat(self, bucket: str, key: str) -> ObjectInfo:
        return self._info(self._meta(self._bucket(bucket), key))

    def read(self, bucket: str, key: str, start: int = 0, length: int | None = None) -> bytes:
        with self.open(bucket, key) as fh:
            fh.seek(start)
            return fh.read() if length is None else fh.read(length)

    def direct_url(self, bucket: str, key: str, *, expires: int = 3600) -> str | None:
        """The object's own file: the local store keeps each object as a plain file."""
        path = self._bucket(bucket) / "objects" / _name(key)
        if not path.is_file():
            raise ObjectNotFound(self.uri(bucket, key))
        return str(path)

    def open(self, bucket: str, key: str) -> BinaryIO:
        path = self._bucket(bucket)
        self._meta(path, key)
        try:
            return (path / "objects" / _name(key)).open("rb")
        except FileNotFoundError:  # deleted between the two reads
            raise ObjectNotFound(self.uri(bucket, key)) from None

    def _commit(self, bucket_path: Path, key: str, data_file: Path, md5: str, sha256: str,
                metadata: Mapping[str, str] | None) -> ObjectInfo:
        meta = {"key": key, "size": data_file.stat().st_size, "md5": md5, "sha256": sha256,
                "metadata": dict(metadata or {}), "mtime": datetime.now(UTC).isoformat()}
        meta_tmp = bucket_path / "tmp" / f"{uuid.uuid4().hex}.json"
        meta_tmp.write_text(json.dumps(meta))
        os.replace(data_file, bucket_path / "objects" / _name(key))
        os.replace(meta_tmp, bucket_path / "meta" / f"{_name(key)}.json")
        return self._info(meta)

    def put(self, bucket: str, key: str, data: bytes,
            metadata: Mapping[str, str] | None = None) -> ObjectInfo:
        path = self._bucket(bucket)
        tmp = path / "tmp" / uuid.uuid4().hex
        tmp.write_bytes(data)
        return self._commit(path, key, tmp, hashlib.md5(data).hexdigest(),
                            hashlib.sha256(data).hexdigest(), metadata)

    def begin_multipart(self, bucket: str, key: str,
                        metadata: Mapping[str, str] | None = None) -> MultipartWriter:
        path = self._bucket(bucket)
        upload_id = uuid.uuid4().hex
        folder = path / "uploads" / upload_id
        folder.mkdir()
        (folder / "upload.json").write_text(json.dumps(
            {"key": key, "metadata": dict(metadata or {}),
             "started": datetime.now(UTC).isoformat()}))
        return _LocalMultipart(self, path, key, folder, metadata)

    def copy(self, src_bucket: str, src_key: str, dst_bucket: str, dst_key: str) -> ObjectInfo:
        src = self._bucket(src_bucket)
        meta = self._meta(src, src_key)
        dst = self._bucket(dst_bucket)
        tmp = dst / "tmp" / uuid.uuid4().hex
        shutil.copyfile(src / "objects" / _name(src_key), tmp)
        return self._commit(dst, dst_key, tmp, meta["md5"], meta["sha256"], meta.get("metadata"))

    def delete(self, bucket: str, key: str) -> None:
        path = self._bucket(bucket)
        (path / "meta" / f"{_name(key)}.json").unlink(missing_ok=True)
        (path / "objects" / _name(key)).unlink(missing_ok=True)

    def list_incomplete(self, bucket: str, prefix: str = "") -> list[IncompleteUpload]:
        uploads = []
        for folder in sorted((self._bucket(bucket) / "uploads").iterdir()):
            record = json.loads((folder / "upload.json").read_text())
            if record["key"].startswith(prefix):
                uploads.append(IncompleteUpload(record["key"], folder.name,
                                                datetime.fromisoformat(record["started"])))
        return uploads

    def abort_incomplete(self, bucket: str, upload: IncompleteUpload) -> None:
        shutil.rmtree(self._bucket(bucket) / "uploads" / upload.upload_id, ignore_errors=True)


class _LocalMultipart(MultipartWriter):
    def __init__(self, store: LocalStorage, bucket_path: Path, key: str, folder: Path,
                 metadata: Mapping[str, str] | None):
        self.store, self.bucket_path, self.key = store, bucket_path, key
        self.folder, self.metadata = folder, metadata

    def upload_part(self, number: int, data: bytes) -> object:
        part = self.folder / f"{number:05d}"
        tmp = self.folder / f".{number:05d}.tmp"
        tmp.write_bytes(data)
        os.replace(tmp, part)
        return part

    def complete(self, parts: list[object]) -> ObjectInfo:
        md5, sha = hashlib.md5(), hashlib.sha256()
        tmp = self.bucket_path / "tmp" / uuid.uuid4().hex
        with tmp.open("wb") as out:
            for part in parts:
                with open(part, "rb") as fh:  # type: ignore[call-overload]
                    while chunk := fh.read(CHUNK):
                        md5.update(chunk)
                        sha.update(chunk)
                        out.write(chunk)
        info = self.store._commit(self.bucket_path, self.key, tmp, md5.hexdigest(),
                                  sha.hexdigest(), self.metadata)
        shutil.rmtree(self.folder, ignore_errors=True)
        return info

    def abort(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

"""Backend-blind storage conformance tests.

A provider's test module subclasses :class:`StorageConformance` and supplies two fixtures:

* ``storage`` — a :class:`~octoup.provider.StorageProvider` pointed at a real server;
* ``fresh_bucket_name`` — a function returning a new, valid, unused bucket name.

Class attributes say what the backend can prove (``server_side_copy_is_remote``).
"""

from __future__ import annotations

import hashlib
import io
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from octoup.errors import (
    BucketNotFound,
    ChecksumMismatch,
    InvalidBucketName,
    ObjectNotFound,
    StorageError,
)
from octoup.provider import Capability, StorageProvider, TransferConfig

UNICODE_KEYS = [
    "données/été 2024/température.csv",
    "日本/データ セット.bin",
    "emoji/🐧 penguins+more.json",
    "spaces and (parens)/a&b=c?.txt",
]


def random_bytes(n: int, seed: int = 0) -> bytes:
    return hashlib.shake_256(f"octoup-{seed}".encode()).digest(n) if n else b""


def process_io_bytes() -> int:
    """Bytes this process moved through read/write syscalls (sockets included)."""
    fields = dict(line.split(": ") for line in Path("/proc/self/io").read_text().splitlines())
    return int(fields["rchar"]) + int(fields["wchar"])


class FailingStream(io.RawIOBase):
    """Yields ``fail_after`` bytes of data, then raises: a source dying mid-upload."""

    def __init__(self, fail_after: int):
        self.remaining = fail_after

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self.remaining <= 0:
            raise ConnectionError("source went away")
        n = min(len(buffer), self.remaining)
        buffer[:n] = random_bytes(n, seed=self.remaining)
        self.remaining -= n
        return n


class StorageConformance:
    server_side_copy_is_remote = True

    @pytest.fixture
    def storage(self) -> StorageProvider:
        raise NotImplementedError("the provider's test module supplies `storage`")

    @pytest.fixture
    def fresh_bucket_name(self):
        raise NotImplementedError("the provider's test module supplies `fresh_bucket_name`")

    @pytest.fixture
    def bucket(self, storage, fresh_bucket_name) -> str:
        name = fresh_bucket_name()
        storage.ensure_bucket(name)
        return name

    @pytest.fixture
    def parts(self, storage) -> TransferConfig:
        """Small parts so a few MiB exercise real multipart uploads with several parts."""
        size = max(storage.min_part_size, 2**20)
        return TransferConfig(part_size=size, concurrency=4, multipart_threshold=size)

    # -- buckets ------------------------------------------------------------------------------

    def test_ensure_bucket_is_idempotent_and_tagged(self, storage, fresh_bucket_name):
        name = fresh_bucket_name()
        first = storage.ensure_bucket(name, tags={"purpose": "conformance"})
        second = storage.ensure_bucket(name, tags={"purpose": "conformance"})
        assert first.created and not second.created
        assert first.name == second.name == name
        if Capability.BUCKET_TAGS in storage.capabilities:
            assert second.tags.get("purpose") == "conformance"
            assert second.tags.get("octoup-project") == storage.project
        assert list(storage.list(name)) == []

    def test_delete_bucket_refuses_a_full_one(self, storage, bucket):
        storage.put(bucket, "x.txt", b"x")
        with pytest.raises(StorageError, match="not empty"):
            storage.delete_bucket(bucket)
        storage.delete(bucket, "x.txt")
        storage.delete_bucket(bucket)
        with pytest.raises(BucketNotFound):
            list(storage.list(bucket))
        with pytest.raises(BucketNotFound):
            storage.delete_bucket(bucket)

    @pytest.mark.parametrize("bad", ["ab", "Upper-Case", "under_score!", "-leading", "a" * 64])
    def test_invalid_bucket_names_are_refused_before_any_request(self, storage, bad):
        with pytest.raises(InvalidBucketName) as info:
            storage.ensure_bucket(bad)
        assert bad in info.value.message and "valid" in info.value.message
        assert info.value.hint

    # -- put / get ----------------------------------------------------------------------------

    def test_zero_byte_object(self, storage, bucket, tmp_path):
        result = storage.upload_stream(bucket, "empty.bin", io.BytesIO(b""))
        assert result.size == 0 and result.sha256 == hashlib.sha256(b"").hexdigest()
        assert storage.stat(bucket, "empty.bin").size == 0
        assert storage.read(bucket, "empty.bin") == b""
        target = tmp_path / "empty.bin"
        storage.download_file(bucket, "empty.bin", target, expected_sha256=result.sha256)
        assert target.read_bytes() == b""

    def test_multipart_upload_with_more_than_two_parts(self, storage, bucket, parts, tmp_path):
        data = random_bytes(parts.part_size * 3 + 12345)
        result = storage.upload_stream(bucket, "big/blob.bin", io.BytesIO(data), config=parts)
        assert result.size == len(data)
        if Capability.MULTIPART in storage.capabilities:
            assert result.parts >= 3
        assert result.sha256 == hashlib.sha256(data).hexdigest()
        assert storage.stat(bucket, "big/blob.bin").size == len(data)
        target = tmp_path / "out" / "blob.bin"
        storage.download_file(bucket, "big/blob.bin", target, config=parts,
                              expected_sha256=result.sha256)
        assert target.read_bytes() == data
        assert storage.read(bucket, "big/blob.bin", 100, 50) == data[100:150]
        with storage.open(bucket, "big/blob.bin") as stream:
            assert stream.read() == data
        assert storage.list_incomplete(bucket) == []

    def test_upload_file_of_unknown_size_stream(self, storage, bucket, parts):
        data = random_bytes(parts.part_size * 2 + 7, seed=2)

        class Unsized(io.RawIOBase):
            def __init__(self):
                self.inner = io.BytesIO(data)

            def readable(self):
                return True

            def readinto(self, buffer):  # short reads, like a socket
                chunk = self.inner.read(min(len(buffer), 65536))
                buffer[: len(chunk)] = chunk
                return len(chunk)

        result = storage.upload_stream(bucket, "unsized.bin", Unsized(), config=parts)
        assert storage.read(bucket, "unsized.bin") == data and result.size == len(data)

    def test_unicode_keys_round_trip(self, storage, bucket, tmp_path):
        for i, key in enumerate(UNICODE_KEYS):
            storage.put(bucket, key, f"payload {i}".encode())
        listed = [o.key for o in storage.list(bucket)]
        assert listed == sorted(UNICODE_KEYS, key=lambda k: k.encode())
        for i, key in enumerate(UNICODE_KEYS):
            assert storage.read(bucket, key) == f"payload {i}".encode()
            assert storage.stat(bucket, key).key == key
        storage.download_file(bucket, UNICODE_KEYS[0], tmp_path / "t.csv")
        assert (tmp_path / "t.csv").read_bytes() == b"payload 0"

    def test_metadata_is_kept(self, storage, bucket):
        storage.put(bucket, "with-meta.txt", b"x", metadata={"octoup-sha256": "abc"})
        assert storage.stat(bucket, "with-meta.txt").metadata.get("octoup-sha256") == "abc"

    # -- listing ------------------------------------------------------------------------------

    def test_listing_pages_beyond_1000_keys_and_filters_by_prefix(self, storage, bucket):
        keys = [f"many/{i:05d}.txt" for i in range(1010)] + ["other/a.txt", "manyx.txt"]
        with ThreadPoolExecutor(16) as pool:
            list(pool.map(lambda k: storage.put(bucket, k, k.encode()), keys))
        listed = list(storage.list(bucket, "many/"))
        assert [o.key for o in listed] == sorted(k for k in keys if k.startswith("many/"))
        assert all(o.size == len(o.key) for o in listed)
        assert [o.key for o in storage.list(bucket, "other/")] == ["other/a.txt"]
        assert len(list(storage.list(bucket))) == len(keys)

    def test_upload_files_in_parallel(self, storage, bucket, tmp_path):
        files = []
        for i in range(20):
            path = tmp_path / f"f{i}.bin"
            path.write_bytes(random_bytes(1000 + i, seed=i))
            files.append((path, f"files/f{i}.bin"))
        moved = []
        results = storage.upload_files(files, bucket, progress=moved.append)
        assert [r.info.key for r in results] == [k for _, k in files]
        assert sum(moved) == sum(p.stat().st_size for p, _ in files)
        for (path, key), result in zip(files, results, strict=True):
            assert result.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
            assert storage.read(bucket, key) == path.read_bytes()

    # -- server-side copy ---------------------------------------------------------------------

    def test_server_side_copy_within_and_across_buckets(self, storage, bucket, fresh_bucket_name,
                                                        parts):
        data = random_bytes(parts.part_size * 3, seed=5)
        storage.upload_stream(bucket, "src.bin", io.BytesIO(data), config=parts)
        other = fresh_bucket_name()
        storage.ensure_bucket(other)
        before = process_io_bytes()
        same = storage.copy(bucket, "src.bin", bucket, "copy/same.bin")
        across = storage.copy(bucket, "src.bin", other, "copy/across.bin")
        moved = process_io_bytes() - before
        assert same.size == across.size == len(data)
        assert storage.read(other, "copy/across.bin") == data
        assert storage.read(bucket, "copy/same.bin") == data
        if self.server_side_copy_is_remote:
            assert moved < len(data) / 4, f"{moved} bytes went through the client"

    # -- integrity ----------------------------------------------------------------------------

    @pytest.mark.parametrize("size_in_parts", [0.5, 3])
    def test_checksum_mismatch_on_upload_leaves_nothing(self, storage, bucket, parts,
                                                        size_in_parts):
        data = random_bytes(int(parts.part_size * size_in_parts), seed=7)
        with pytest.raises(ChecksumMismatch) as info:
            storage.upload_stream(bucket, "bad.bin", io.BytesIO(data), config=parts,
                                  expected_sha256="0" * 64)
        assert "bad.bin" in info.value.message
        with pytest.raises(ObjectNotFound):
            storage.stat(bucket, "bad.bin")
        assert storage.list_incomplete(bucket) == []

    def test_checksum_mismatch_on_download_leaves_no_file(self, storage, bucket, tmp_path, parts):
        folder = tmp_path / "downloads"
        folder.mkdir()
        for size in (100, parts.part_size * 3):
            storage.upload_stream(bucket, "good.bin", io.BytesIO(random_bytes(size)), config=parts)
            with pytest.raises(ChecksumMismatch):
                storage.download_file(bucket, "good.bin", folder / "good.bin", config=parts,
                                      expected_sha256="f" * 64)
            assert list(folder.iterdir()) == []

    # -- missing things -----------------------------------------------------------------------

    def test_missing_bucket_and_object_errors(self, storage, bucket, fresh_bucket_name, tmp_path):
        missing = fresh_bucket_name()
        with pytest.raises(BucketNotFound) as info:
            list(storage.list(missing))
        assert missing in info.value.message
        with pytest.raises(ObjectNotFound):
            storage.stat(bucket, "nope.txt")
        with pytest.raises(ObjectNotFound):
            storage.read(bucket, "nope.txt")
        with pytest.raises(ObjectNotFound):
            storage.download_file(bucket, "nope.txt", tmp_path / "nope.txt")
        assert not (tmp_path / "nope.txt").exists()
        with pytest.raises(StorageError):
            storage.put(missing, "x.txt", b"x")

    def test_delete_is_idempotent(self, storage, bucket):
        storage.put(bucket, "gone.txt", b"bye")
        storage.delete(bucket, "gone.txt")
        storage.delete(bucket, "gone.txt")
        with pytest.raises(ObjectNotFound):
            storage.stat(bucket, "gone.txt")

    # -- interrupted uploads ------------------------------------------------------------------

    def test_interrupted_multipart_upload_is_aborted(self, storage, bucket, parts):
        with pytest.raises(ConnectionError):
            storage.upload_stream(bucket, "broken.bin", FailingStream(parts.part_size * 3 + 10),
                                  config=parts)
        assert storage.list_incomplete(bucket) == []
        with pytest.raises(ObjectNotFound):
            storage.stat(bucket, "broken.bin")

    def test_crashed_multipart_upload_can_be_found_and_cleaned(self, storage, bucket, parts):
        if Capability.MULTIPART not in storage.capabilities:
            pytest.skip("this backend has no multipart uploads")
        writer = storage.begin_multipart(bucket, "crashed.bin")
        writer.upload_part(1, random_bytes(parts.part_size))
        leftover = storage.list_incomplete(bucket)
        assert [u.key for u in leftover] == ["crashed.bin"]
        storage.abort_incomplete(bucket, leftover[0])
        assert storage.list_incomplete(bucket) == []
        with pytest.raises(ObjectNotFound):
            storage.stat(bucket, "crashed.bin")


def unique_bucket_name(prefix: str = "octoup-test") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:16]}"


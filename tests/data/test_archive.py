"""octoup.data.archive: in-flight unpacking of real archives, and refusal of malicious ones."""

from __future__ import annotations

import bz2
import gzip
import hashlib
import io
import json
import lzma
import random
import stat
import struct
import tarfile
import time
import tracemalloc
import warnings
import zipfile
import zlib
from array import array
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import zstandard

from octoup.data.archive import (
    ARCHIVE_SUFFIXES,
    Limits,
    Member,
    UnreadableArchive,
    UnsafeArchiveMember,
    archive_kind,
    iter_tar,
    iter_zip,
    strip_archive_suffix,
)

TAR_KINDS = ("tar", "tar.gz", "tar.bz2", "tar.xz", "tar.zst")
MTIME = 1_357_000_000  # 2013-01-01


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def make_dataset(seed: int = 2013) -> dict[str, bytes]:
    """~3 MB of generated flight data: CSV, JSON, JSON lines, a columnar binary file and random bytes."""
    rng = random.Random(seed)
    carriers, origins, dests = ["UA", "AA", "B6", "DL", "EV"], ["EWR", "JFK", "LGA"], ["ATL", "ORD", "SFO"]

    def flights(month: int) -> bytes:
        rows = [f"2013,{month},{rng.randint(1, 28)},{rng.randint(500, 2359)},{rng.gauss(12, 40):.0f},"
                f"{rng.choice(carriers)},{rng.randint(1, 6000)},{rng.choice(origins)},{rng.choice(dests)},"
                f"{rng.randint(30, 600)},{rng.randint(80, 2600)}" for _ in range(15_000)]
        return ("year,month,day,dep_time,dep_delay,carrier,flight,origin,dest,air_time,distance\n"
                + "\n".join(rows) + "\n").encode()

    airports = [{"faa": f"A{i:03d}", "lat": rng.uniform(20, 60), "lon": rng.uniform(-160, -60)}
                for i in range(800)]
    weather = "\n".join(json.dumps({"origin": rng.choice(origins), "hour": h % 24,
                                    "temp": round(rng.gauss(55, 18), 1)}) for h in range(4000))
    columns = array("d", (rng.gauss(0, 1) for _ in range(40_000))).tobytes()
    ids = array("q", range(40_000)).tobytes()
    parquet = b"PAR1" + columns + ids + struct.pack("<I", len(columns) + len(ids)) + b"PAR1"
    return {
        "flights/2013-01.csv": flights(1),
        "flights/2013-02.csv": flights(2),
        "airports.json": json.dumps(airports).encode(),
        "weather/hourly.jsonl": weather.encode() + b"\n",
        "planes.parquet": parquet,
        "blobs/random.bin": rng.randbytes(512 * 1024),
        "empty.txt": b"",
        "données/été.csv": "ville,été\nNîmes,31\n".encode(),
    }


@pytest.fixture(scope="module")
def dataset() -> dict[str, bytes]:
    return make_dataset()


class OneWay(io.RawIOBase):
    """A non-seekable stream (like an HTTP body) that fails the test if anyone tries to seek."""

    def __init__(self, data: bytes):
        self._data = io.BytesIO(data)
        self.seeks = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        return self._data.readinto(buffer)

    def seekable(self) -> bool:
        return False

    def seek(self, *args) -> int:
        self.seeks += 1
        raise io.UnsupportedOperation("seek")

    def tell(self) -> int:
        self.seeks += 1
        raise io.UnsupportedOperation("tell")


class Generated(io.RawIOBase):
    """A read-only stream over a generator of chunks: the bytes never exist all at once."""

    def __init__(self, chunks: Iterator[bytes]):
        self._chunks = chunks
        self._buffer = memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self._buffer:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._buffer = memoryview(chunk)
        n = min(len(buffer), len(self._buffer))
        buffer[:n] = self._buffer[:n]
        self._buffer = self._buffer[n:]
        return n


def regular(name: str, data: bytes = b"x") -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.size, info.mtime = len(data), MTIME
    return info, data


def special(name: str, kind: bytes, linkname: str = "") -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, linkname
    return info, b""


def compress(raw: bytes, kind: str) -> bytes:
    return {"tar": lambda b: b, "tar.gz": gzip.compress, "tar.bz2": lambda b: bz2.compress(b, 1),
            "tar.xz": lzma.compress, "tar.zst": zstandard.ZstdCompressor().compress}[kind](raw)


def tar_bytes(entries: list[tuple[tarfile.TarInfo, bytes]], kind: str = "tar") -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for info, data in entries:
            tar.addfile(info, io.BytesIO(data))
    return compress(buffer.getvalue(), kind)


def pack_tar(files: dict[str, bytes], kind: str) -> bytes:
    """``files`` as a real archive of ``kind``, written by tarfile (and zstandard), with folder entries."""
    buffer = io.BytesIO()
    zst = kind == "tar.zst"
    target = zstandard.ZstdCompressor(write_checksum=True).stream_writer(buffer, closefd=False) if zst \
        else buffer
    mode = {"tar": "w", "tar.gz": "w:gz", "tar.bz2": "w:bz2", "tar.xz": "w:xz", "tar.zst": "w|"}[kind]
    options = {"preset": 1} if kind == "tar.xz" else {}
    with tarfile.open(fileobj=target, mode=mode, **options) as tar:
        for folder in sorted({name.rsplit("/", 1)[0] for name in files if "/" in name}):
            info = tarfile.TarInfo(folder)
            info.type, info.mtime = tarfile.DIRTYPE, MTIME
            tar.addfile(info)
        for name, data in files.items():
            tar.addfile(regular(name, data)[0], io.BytesIO(data))
    if zst:
        target.close()
    return buffer.getvalue()


def zip_bytes(files: dict[str, bytes] | list[tuple[zipfile.ZipInfo | str, bytes]],
              method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicate names are written on purpose
        for name, data in files.items() if isinstance(files, dict) else files:
            archive.writestr(name, data)
    return buffer.getvalue()


def read_tar(data: bytes, kind: str = "tar", **options) -> dict[str, bytes]:
    stream = OneWay(data)
    members = {member.name: reader.read() for member, reader in iter_tar(stream, kind, archive="A",
                                                                           **options)}
    assert stream.seeks == 0
    return members


def read_zip(data: bytes, **options) -> dict[str, bytes]:
    members = {}
    for member, opener in iter_zip(io.BytesIO(data), archive="Z", **options):
        with opener() as reader:
            members[member.name] = reader.read()
    return members


def refusal(read, data: bytes, **options) -> UnsafeArchiveMember:
    with pytest.raises(UnsafeArchiveMember) as caught:
        read(data, **options)
    error = caught.value
    assert error.archive in error.message and repr(error.member) in error.message
    assert error.hint.startswith(f"Nothing was copied from {error.member!r}.")
    assert "--no-unpack" in error.hint
    return error


@pytest.mark.parametrize(("name", "kind", "stem"), [
    ("flights.tar", "tar", "flights"),
    ("flights.tar.gz", "tar.gz", "flights"),
    ("data/FLIGHTS.TGZ", "tar.gz", "data/FLIGHTS"),
    ("https://example.org/d/flights.tar.bz2", "tar.bz2", "https://example.org/d/flights"),
    ("flights.tbz2", "tar.bz2", "flights"),
    ("flights.tar.xz", "tar.xz", "flights"),
    ("flights.txz", "tar.xz", "flights"),
    ("flights.tar.zst", "tar.zst", "flights"),
    ("flights.tzst", "tar.zst", "flights"),
    ("flights.Zip", "zip", "flights"),
    ("flights.csv.gz", None, "flights.csv.gz"),
    ("flights.csv", None, "flights.csv"),
    ("flights.tar.gz.part", None, "flights.tar.gz.part"),
])
def test_kind_and_stem_from_name(name, kind, stem):
    assert archive_kind(name) == kind
    assert strip_archive_suffix(name) == stem
    assert len(ARCHIVE_SUFFIXES) == 10 and all(archive_kind(f"x{s}") for s in ARCHIVE_SUFFIXES)


@pytest.mark.parametrize("kind", TAR_KINDS)
def test_tar_round_trip_without_seeking(dataset, kind):
    data = pack_tar(dataset, kind)
    stream, seen = OneWay(data), []
    for member, reader in iter_tar(stream, kind, archive="flights", compressed_size=len(data)):
        chunks = iter(lambda r=reader: r.read(65_536), b"")
        seen.append((member, sha(b"".join(chunks))))
    assert stream.seeks == 0
    assert [m.name for m, _ in seen] == list(dataset)  # folders skipped, order kept
    assert {m.name: digest for m, digest in seen} == {name: sha(blob) for name, blob in dataset.items()}
    assert all(m.size == len(dataset[m.name]) and m.mtime == MTIME for m, _ in seen)


def test_zip_round_trip_every_method(dataset):
    methods = [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA]
    entries: list[tuple[zipfile.ZipInfo | str, bytes]] = [("flights/", b""), ("données/", b"")]
    for i, (name, blob) in enumerate(dataset.items()):
        info = zipfile.ZipInfo(name, (2013, 1, 1, 12, 0, 0))
        info.compress_type = methods[i % len(methods)]
        entries.append((info, blob))
    data = zip_bytes(entries)
    members = list(iter_zip(io.BytesIO(data), archive="flights.zip"))
    assert [m.name for m, _ in members] == list(dataset)
    for member, opener in reversed(members):  # any order, each read independently
        with opener() as reader:
            assert sha(reader.read()) == sha(dataset[member.name])
        assert member.size == len(dataset[member.name])
        assert member.mtime == time.mktime((2013, 1, 1, 12, 0, 0, 0, 0, -1))


def test_zip_members_read_concurrently(dataset, tmp_path):
    rng = random.Random(7)
    files = {f"part-{i:02d}.bin": rng.randbytes(rng.randint(50_000, 300_000)) for i in range(8)}
    files |= {f"text-{name.replace('/', '-')}": blob for name, blob in dataset.items()}
    path = tmp_path / "flights.zip"
    path.write_bytes(zip_bytes(files))

    def digest(member: Member, opener) -> tuple[str, str]:
        hasher = hashlib.sha256()
        with opener() as reader:
            while chunk := reader.read(rng.choice([1_000, 4_096, 50_000])):
                hasher.update(chunk)
        return member.name, hasher.hexdigest()

    with path.open("rb") as file, ThreadPoolExecutor(8) as pool:
        members = list(iter_zip(file, archive=str(path))) * 3  # every member opened three times at once
        results = list(pool.map(lambda pair: digest(*pair), members))
    assert len(results) == 3 * len(files)
    assert all(hexdigest == sha(files[name]) for name, hexdigest in results)


def test_names_are_normalised_and_folders_skipped():
    tar = tar_bytes([special("./", tarfile.DIRTYPE), special("./data", tarfile.DIRTYPE),
                     regular("./data/a.csv", b"a"), regular("data//b.csv", b"b"),
                     regular("data/./c.csv", b"c")])
    assert read_tar(tar) == {"data/a.csv": b"a", "data/b.csv": b"b", "data/c.csv": b"c"}
    assert read_zip(zip_bytes({"data/": b"", "./data/a.csv": b"a", "data//b.csv": b"b"})) == {
        "data/a.csv": b"a", "data/b.csv": b"b"}


UNSAFE_NAMES = [
    ("../evil", "'..'"),
    ("a/../../evil", "'..'"),
    ("..\\evil.dll", "'..'"),
    ("data\\..\\..\\evil", "'..'"),
    ("/abs", "absolute"),
    ("/etc/passwd", "absolute"),
    ("C:\\Windows\\evil.dll", "absolute"),
    ("c:evil", "absolute"),
    ("\\\\server\\share\\evil", "absolute"),
    ("", "empty name"),
    ("./", "empty name"),
]


@pytest.mark.parametrize(("name", "why"), UNSAFE_NAMES)
def test_tar_refuses_unsafe_names(name, why):
    data = tar_bytes([regular("ok.csv", b"fine"), regular(name, b"evil")])
    yielded = []
    with pytest.raises(UnsafeArchiveMember, match=why) as caught:
        for member, reader in iter_tar(OneWay(data), "tar", archive="https://example.org/evil.tar"):
            yielded.append((member.name, reader.read()))
    assert yielded == [("ok.csv", b"fine")]  # the bad member never reached the caller
    assert caught.value.member == name
    assert "https://example.org/evil.tar" in caught.value.message


@pytest.mark.parametrize(("name", "why"), [pair for pair in UNSAFE_NAMES if pair[0] not in ("", "./")])
def test_zip_refuses_unsafe_names_before_yielding_anything(name, why):
    data = zip_bytes([("ok.csv", b"fine"), (name, b"evil")])
    error = refusal(read_zip, data)
    assert why in error.message and error.member == name
    yielded = iter_zip(io.BytesIO(data), archive="Z")
    with pytest.raises(UnsafeArchiveMember):
        next(yielded)  # all members are checked before the first is handed out


def test_nul_bytes_and_empty_names_are_refused():
    info = tarfile.TarInfo("placeholder")
    info.pax_headers, info.size = {"path": "data.csv\0.sh"}, 1
    assert "NUL" in refusal(read_tar, tar_bytes([(info, b"x")])).message
    data = zip_bytes({"ok.csv": b"x", "dataXcsv.sh": b"x"})
    assert "NUL" in refusal(read_zip, data.replace(b"dataXcsv.sh", b"data\0csv.sh")).message
    assert "empty name" in refusal(read_zip, zip_bytes([(zipfile.ZipInfo(""), b"x")])).message


def test_tar_links_inside_are_skipped_and_reported():
    skipped: list[str] = []
    data = tar_bytes([regular("data/flights.csv", b"rows"),
                      special("data/latest.csv", tarfile.SYMTYPE, "flights.csv"),
                      special("current", tarfile.SYMTYPE, "data/./flights.csv"),
                      special("data/copy.csv", tarfile.LNKTYPE, "data/flights.csv")])
    members = {m.name: r.read() for m, r in iter_tar(OneWay(data), "tar", archive="A", skipped=skipped)}
    assert members == {"data/flights.csv": b"rows"}
    assert skipped == ["data/latest.csv -> flights.csv (symlink)", "current -> data/./flights.csv (symlink)",
                       "data/copy.csv -> data/flights.csv (hardlink)"]


@pytest.mark.parametrize(("name", "kind", "target"), [
    ("passwd", tarfile.SYMTYPE, "../../etc/passwd"),
    ("data/passwd", tarfile.SYMTYPE, "../../etc/passwd"),
    ("data/up", tarfile.SYMTYPE, "../.."),
    ("passwd", tarfile.SYMTYPE, "/etc/passwd"),
    ("passwd", tarfile.SYMTYPE, "C:\\Windows\\system.ini"),
    ("data/passwd", tarfile.LNKTYPE, "../outside"),
    ("passwd", tarfile.LNKTYPE, "/etc/passwd"),
])
def test_tar_refuses_links_leading_outside(name, kind, target):
    error = refusal(read_tar, tar_bytes([special(name, kind, target)]))
    assert "outside the archive" in error.message and repr(target) in error.message


def zip_symlink(name: str, target: str) -> tuple[zipfile.ZipInfo, bytes]:
    info = zipfile.ZipInfo(name)
    info.create_system, info.external_attr = 3, (stat.S_IFLNK | 0o777) << 16
    return info, target.encode()


def test_zip_symlinks():
    skipped: list[str] = []
    data = zip_bytes([("data/flights.csv", b"rows"), zip_symlink("data/latest.csv", "flights.csv")])
    assert read_zip(data, skipped=skipped) == {"data/flights.csv": b"rows"}
    assert skipped == ["data/latest.csv -> flights.csv (symlink)"]
    error = refusal(read_zip, zip_bytes([zip_symlink("data/passwd", "../../etc/passwd")]))
    assert "symlink to '../../etc/passwd', outside the archive" in error.message


@pytest.mark.parametrize(("kind", "why"), [
    (tarfile.CHRTYPE, "character device"), (tarfile.BLKTYPE, "block device"), (tarfile.FIFOTYPE, "FIFO")])
def test_tar_refuses_devices_and_fifos(kind, why):
    info, _ = special("dev/thing", kind)
    info.devmajor, info.devminor = 1, 3
    assert why in refusal(read_tar, tar_bytes([regular("ok.csv"), (info, b"")])).message


def test_zip_refuses_non_regular_members():
    info = zipfile.ZipInfo("pipe")
    info.create_system, info.external_attr = 3, (stat.S_IFIFO | 0o644) << 16
    assert "not a regular file" in refusal(read_zip, zip_bytes([(info, b"")])).message


def test_duplicate_names_are_refused():
    data = tar_bytes([regular("a.csv", b"1"), regular("b.csv"), regular("./a.csv", b"2")])
    error = refusal(read_tar, data)
    assert error.member == "./a.csv" and "same path as an earlier member ('a.csv')" in error.message
    assert "ambiguous" in refusal(read_zip, zip_bytes([("a.csv", b"1"), ("a.csv", b"2")])).message


def test_size_limits():
    files = {f"f{i}.csv": b"x" * 1000 for i in range(5)}
    tar, zip_ = tar_bytes([regular(n, d) for n, d in files.items()]), zip_bytes(files)
    for read, data in ((read_tar, tar), (read_zip, zip_)):
        assert len(read(data, limits=Limits(max_member_bytes=1000, max_total_bytes=5000, max_members=5))) == 5
        error = refusal(read, data, limits=Limits(max_member_bytes=999))
        assert error.member == "f0.csv" and "over the limit of 999 per member" in error.message
        error = refusal(read, data, limits=Limits(max_total_bytes=4999))
        assert error.member == "f4.csv" and "past the limit of 4,999 bytes" in error.message
        assert "limit of 4 members" in refusal(read, data, limits=Limits(max_members=4)).message


def test_zip_bomb_is_refused_before_anything_is_read():
    zeros = bytes(100 * 2**20)
    data = zip_bytes([("readme.txt", b"hello"), ("zeros.bin", zeros)])
    assert len(data) < 200_000
    for size in (len(data), None):  # passed, or taken from the file itself
        error = refusal(lambda d, **o: next(iter_zip(io.BytesIO(d), archive="Z", **o)), data,
                        compressed_size=size)
        assert error.member == "zeros.bin" and "decompression bomb" in error.message


def test_tar_bomb_is_refused_when_the_compressed_size_is_known():
    data = tar_bytes([regular("zeros.bin", bytes(64 * 2**20))], "tar.gz")
    assert "decompression bomb" in refusal(read_tar, data, kind="tar.gz", compressed_size=len(data)).message
    assert len(read_tar(data, "tar.gz")["zeros.bin"]) == 64 * 2**20  # size unknown: hard limits only
    small = tar_bytes([regular("zeros.bin", bytes(2**20))], "tar.gz")  # highly compressible but small: fine
    assert read_tar(small, "tar.gz", compressed_size=len(small)) == {"zeros.bin": bytes(2**20)}


def patch_zip_sizes(data: bytes, name: bytes, size: int, crc: int | None = None) -> bytes:
    """Rewrite the uncompressed size (and CRC) of ``name`` in both its local and central headers."""
    out = bytearray(data)

    def header(signature: bytes, name_at: int) -> int:
        at = out.index(signature)
        while out[at + name_at: at + name_at + len(name)] != name:
            at = out.index(signature, at + 1)
        return at

    local, central = header(b"PK\x03\x04", 30), header(b"PK\x01\x02", 46)
    for size_at, crc_at in ((local + 22, local + 14), (central + 24, central + 16)):
        out[size_at: size_at + 4] = struct.pack("<I", size)
        if crc is not None:
            out[crc_at: crc_at + 4] = struct.pack("<I", crc)
    return bytes(out)


def test_zip_headers_lying_about_sizes(dataset, monkeypatch):
    blob = dataset["flights/2013-01.csv"]
    data = zip_bytes({"flights.csv": blob, "next.csv": b"x"})
    short = patch_zip_sizes(data, b"flights.csv", 1000)
    with pytest.raises(UnreadableArchive, match="CRC"):  # the real data is longer: the CRC check catches it
        read_zip(short)
    prefix = patch_zip_sizes(data, b"flights.csv", 1000, zlib.crc32(blob[:1000]))
    assert read_zip(prefix)["flights.csv"] == blob[:1000]  # consistent headers: never more than declared
    with pytest.raises(UnreadableArchive, match=f"ends after {len(blob):,} of {len(blob) + 10:,} bytes"):
        read_zip(patch_zip_sizes(data, b"flights.csv", len(blob) + 10))
    # and should the zip library ever hand out more than the header declares, the reader refuses it
    monkeypatch.setattr(zipfile.ZipFile, "open", lambda self, info: io.BytesIO(b"y" * (info.file_size + 1)))
    assert f"holds more than the {len(blob):,} bytes its header declares" in refusal(read_zip, data).message


def test_corrupt_zips_are_unreadable(dataset):
    data = zip_bytes({"a.csv": dataset["airports.json"], "b.csv": b"b"}, zipfile.ZIP_STORED)
    for bad in (b"", b"not a zip at all", data[: len(data) // 2], data.replace(b"PK\x01\x02", b"PK\x01\x07")):
        with pytest.raises(UnreadableArchive, match="Cannot unpack Z"):
            read_zip(bad)
    flipped = bytearray(data)
    flipped[100] ^= 0xFF  # inside a.csv's stored bytes
    members = iter_zip(io.BytesIO(bytes(flipped)), archive="Z")
    _, opener = next(members)
    with pytest.raises(UnreadableArchive, match="CRC") as caught:
        opener().read()
    assert caught.value.member == "a.csv" and "not a .zip archive as its name says" in caught.value.hint
    _, opener = next(members)
    assert opener().read() == b"b"  # other members are unaffected


def test_encrypted_or_deflate64_zip_members_are_unreadable():
    data = zip_bytes({"ok.csv": b"x", "secret.csv": b"x"})
    central = data.index(b"PK\x01\x02", data.index(b"PK\x01\x02") + 1)  # secret.csv's central header
    encrypted, deflate64 = bytearray(data), bytearray(data)
    encrypted[central + 8] |= 0x1  # the flag bits
    deflate64[central + 10] = 9  # the compression method
    with pytest.raises(UnreadableArchive, match=r"'secret\.csv'.*encrypted"):
        read_zip(bytes(encrypted))
    with pytest.raises(UnreadableArchive, match="compression method 9"):
        next(iter_zip(io.BytesIO(bytes(deflate64)), archive="Z"))  # refused before anything is yielded


@pytest.mark.parametrize("kind", TAR_KINDS)
def test_truncated_tar_raises_while_the_member_is_read(dataset, kind):
    big = dataset["blobs/random.bin"]
    data = tar_bytes([regular("small.csv", b"rows"), regular("big.bin", big), regular("after.csv")], kind)
    cut = data[: len(data) * 2 // 3] if kind != "tar" else data[: 1536 + len(big) // 2]
    complete = []
    with pytest.raises(UnreadableArchive) as caught:
        for member, reader in iter_tar(OneWay(cut), kind, archive="A"):
            assert sha(reader.read()) == sha(big if member.name == "big.bin" else b"rows")
            complete.append(member.name)
    assert complete == ["small.csv"] and caught.value.member == "big.bin"


@pytest.mark.parametrize("kind", TAR_KINDS)
def test_truncated_tar_raises_even_when_members_are_abandoned(dataset, kind):
    data = tar_bytes([regular("big.bin", dataset["blobs/random.bin"]), regular("after.csv")], kind)
    with pytest.raises(UnreadableArchive):
        for _member, _reader in iter_tar(OneWay(data[: len(data) // 2]), kind, archive="A"):
            pass


def test_tar_without_its_end_or_with_data_after_it_is_unreadable():
    whole = tar_bytes([regular("a.csv", b"a" * 600), regular("b.csv", b"b")])
    at_boundary = whole[: 512 + 1024]  # a.csv complete, b.csv's header gone
    with pytest.raises(UnreadableArchive, match="truncated or damaged after its last good member"):
        read_tar(at_boundary)
    damaged = bytearray(whole)
    damaged[1536 + 148] ^= 0x7  # b.csv's header checksum
    with pytest.raises(UnreadableArchive, match="truncated or damaged"):
        read_tar(bytes(damaged))
    zeroed = whole[:1536] + bytes(512) + whole[2048:]  # b.csv's header blanked: looks like the end, is not
    with pytest.raises(UnreadableArchive, match="data follows the end-of-archive marker"):
        read_tar(zeroed)
    with pytest.raises(UnreadableArchive, match="several archives joined"):
        read_tar(whole + tar_bytes([regular("c.csv")]))
    assert read_tar(whole + bytes(20_000)) == {"a.csv": b"a" * 600, "b.csv": b"b"}  # more zero padding: fine


@pytest.mark.parametrize(("kind", "data"), [
    ("tar.gz", tar_bytes([regular("a.csv")])),  # a plain tar named .tar.gz
    ("tar.xz", tar_bytes([regular("a.csv")], "tar.gz")),
    ("tar.bz2", b"BZh9" + bytes(100)),
    ("tar.zst", b"\x28\xb5\x2f\xfd" + bytes(100)),
    ("tar", b"hello, world\n" * 100),
    ("tar", b""),
])
def test_not_the_format_the_name_says(kind, data):
    with pytest.raises(UnreadableArchive, match=r"Cannot unpack A: ") as caught:
        read_tar(data, kind)
    assert f"not a .{kind} archive as its name says" in caught.value.hint


def test_corrupt_gzip_crc_is_caught():
    data = bytearray(tar_bytes([regular("a.csv", b"rows\n" * 1000)], "tar.gz"))
    data[-8] ^= 0xFF  # the gzip trailer's CRC-32
    with pytest.raises(UnreadableArchive, match="CRC"):
        read_tar(bytes(data), "tar.gz")


def test_previous_tar_reader_is_closed_when_the_next_member_is_requested():
    members = iter_tar(OneWay(tar_bytes([regular("a.csv", b"a" * 5000), regular("b.csv", b"b")])), "tar",
                       archive="A")
    _, first = next(members)
    assert first.read(10) == b"a" * 10
    _, second = next(members)
    assert second.read() == b"b"
    with pytest.raises(ValueError, match="closed"):
        first.read()


def big_tar_gz(size: int, digest) -> Iterator[bytes]:
    """A .tar.gz of one ``size``-byte CSV member, compressed as it is generated."""
    rng = random.Random(1)
    block = "".join(f"2013,1,{rng.randint(1, 28)},{rng.randint(500, 2359)},{rng.choice(['UA', 'AA', 'DL'])},"
                    f"{rng.randint(1, 6000)}\n" for _ in range(40_000)).encode()[: 2**20]
    packer = zlib.compressobj(1, zlib.DEFLATED, 31)
    info = tarfile.TarInfo("flights/all.csv")
    info.size = size
    yield packer.compress(info.tobuf())
    left = size
    while left:
        piece = block[: min(left, len(block))]
        digest.update(piece)
        left -= len(piece)
        yield packer.compress(piece)
    yield packer.compress(bytes(-size % 512 + 1024)) + packer.flush()


def test_a_200_mb_member_streams_in_bounded_memory():
    size, sent = 200 * 2**20 + 123, hashlib.sha256()
    tracemalloc.start()
    try:
        received, members = hashlib.sha256(), []
        for member, reader in iter_tar(Generated(big_tar_gz(size, sent)), "tar.gz", archive="big.tar.gz"):
            members.append(member)
            while chunk := reader.read(2**20):
                received.update(chunk)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [(m.name, m.size) for m in members] == [("flights/all.csv", size)]
    assert received.hexdigest() == sent.hexdigest()
    assert peak < 64 * 2**20, f"peak {peak / 2**20:.1f} MiB"

"""Unpack tar and zip archives in flight: each regular member becomes a stream, nothing touches disk.

Every member is checked before any of its bytes are handed out: names must be relative paths that
stay inside the archive, only regular files become objects (directories and in-archive links are
skipped, links that point outside, devices and FIFOs are refused), duplicates are refused, and
sizes are held to :class:`Limits`. Corrupt or truncated archives raise :class:`UnreadableArchive`.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import re
import stat
import struct
import tarfile
import threading
import time
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from typing import BinaryIO, NoReturn

import zstandard

from octoup.errors import OctoupError

_KINDS = {
    ".tar": "tar", ".tar.gz": "tar.gz", ".tgz": "tar.gz", ".tar.bz2": "tar.bz2", ".tbz2": "tar.bz2",
    ".tar.xz": "tar.xz", ".txz": "tar.xz", ".tar.zst": "tar.zst", ".tzst": "tar.zst", ".zip": "zip",
}
ARCHIVE_SUFFIXES: tuple[str, ...] = tuple(_KINDS)

_DECOMPRESSORS: dict[str, Callable[[BinaryIO], BinaryIO]] = {
    "tar": lambda f: f,
    "tar.gz": lambda f: io.BufferedReader(_Gunzip(f), _READ),
    "tar.bz2": bz2.BZ2File,
    "tar.xz": lzma.LZMAFile,
    "tar.zst": lambda f: zstandard.ZstdDecompressor().stream_reader(f, read_across_frames=True,
                                                                     closefd=False),
}
_READ = 2**20  # compressed bytes fed to zlib per call: few calls, few hand-offs of the GIL


class _Gunzip(io.RawIOBase):
    """gzip decompression fed 1 MiB at a time (GzipFile feeds 8 KiB, and the thread then spends
    more time handing the GIL back and forth than inflating). Handles concatenated members; zlib
    checks each member's CRC-32 and length."""

    def __init__(self, source: BinaryIO):
        self._source = source
        self._inflate = zlib.decompressobj(wbits=31)
        self._pending = b""
        self._started = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        try:
            return self._fill(buffer)
        except zlib.error as exc:
            if "data check" in str(exc):
                raise gzip.BadGzipFile("CRC check failed: the data does not match its checksum") from None
            raise

    def _fill(self, buffer) -> int:
        while True:
            if self._pending:
                n = min(len(buffer), len(self._pending))
                buffer[:n] = self._pending[:n]
                self._pending = self._pending[n:]
                return n
            if self._inflate.eof:
                rest = self._inflate.unused_data or self._source.read(_READ)
                if not rest:
                    return 0
                self._inflate = zlib.decompressobj(wbits=31)
                self._pending = self._inflate.decompress(rest, len(buffer))
                continue
            data = self._inflate.unconsumed_tail or self._source.read(_READ)
            if not data:
                if self._started or self._inflate.unused_data:
                    raise EOFError("the gzip stream ends before its end marker")
                return 0
            self._started = True
            self._pending = self._inflate.decompress(data, max(len(buffer), _READ))


_ZIP_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
_TAR_TYPES = {tarfile.CHRTYPE: "a character device", tarfile.BLKTYPE: "a block device",
              tarfile.FIFOTYPE: "a FIFO"}
_MAX_LINK = 4096  # longest zip symlink target read
_MAX_TRAILER = 2**20  # bytes after a tar's end marker checked to be zero padding
_DRIVE = re.compile(r"[A-Za-z]:")
# What zlib, gzip, bz2 (a bare OSError), lzma, zstandard, tarfile and zipfile raise for bad data.
_CORRUPT = (tarfile.TarError, zipfile.BadZipFile, zipfile.LargeZipFile, gzip.BadGzipFile, EOFError,
            zlib.error, lzma.LZMAError, zstandard.ZstdError, struct.error, UnicodeDecodeError,
            NotImplementedError)
_REPACK = "Repack the archive without it, or copy the archive as it is with --no-unpack."
_TRUSTED = "If you trust this archive, copy it as it is with --no-unpack and unpack it where you use it."


def archive_kind(name: str) -> str | None:
    """'tar', 'tar.gz', 'tar.bz2', 'tar.xz', 'tar.zst' or 'zip' from a file name/URL path
    (case-insensitive), else None."""
    lower = name.lower()
    return next((kind for suffix, kind in _KINDS.items() if lower.endswith(suffix)), None)


def strip_archive_suffix(name: str) -> str:
    """``name`` without its archive suffix: "flights.tar.gz" -> "flights"."""
    lower = name.lower()
    return next((name[: -len(suffix)] for suffix in _KINDS if lower.endswith(suffix)), name)


@dataclass(frozen=True)
class Limits:
    """How far an archive may expand before it is refused."""

    max_member_bytes: int = 64 * 2**30  # one member's expanded size
    max_total_bytes: int = 2 * 2**40  # whole archive expanded
    max_ratio: float = 250.0  # expanded total / compressed size, when the compressed size is known
    max_members: int = 1_000_000
    ratio_grace_bytes: int = 16 * 2**20  # expanded totals up to this size are never refused for their ratio


@dataclass(frozen=True)
class Member:
    name: str  # normalised relative POSIX path: never absolute, no "..", no empty parts
    size: int  # declared expanded size
    mtime: float | None


class UnsafeArchiveMember(OctoupError):
    """A member that must not be unpacked; raised before any of its bytes are handed out."""

    def __init__(self, archive: str, member: str, reason: str, advice: str = _REPACK):
        super().__init__(f"Refusing member {member!r} of {archive}: it {reason}.",
                         f"Nothing was copied from {member!r}. {advice}")
        self.archive = archive
        self.member = member


class UnreadableArchive(OctoupError):
    """The archive is corrupt, truncated, or not the format its name says."""

    def __init__(self, archive: str, detail: str, *, kind: str, member: str | None = None,
                 hint: str | None = None):
        where = f" (member {member!r})" if member else ""
        super().__init__(f"Cannot unpack {archive}{where}: {detail}.", hint or (
            f"The file is corrupt, truncated, or not a .{kind} archive as its name says. "
            "Check the source, or copy the file as it is with --no-unpack."))
        self.archive = archive
        self.member = member


@contextmanager
def _reading(archive: str, kind: str, member: str | None = None) -> Iterator[None]:
    """Turn the decompressors' and parsers' errors for bad data into :class:`UnreadableArchive`."""
    try:
        yield
    except Exception as exc:
        # bz2 reports bad data as a bare OSError; errors of the caller's stream carry an errno or a subclass
        if not isinstance(exc, _CORRUPT) and not (type(exc) is OSError and exc.errno is None):
            raise
        raise UnreadableArchive(archive, str(exc) or type(exc).__name__, kind=kind, member=member) from exc


def _parts(path: str) -> list[str]:
    return [part for part in path.replace("\\", "/").split("/") if part not in ("", ".")]


def _is_absolute(path: str) -> bool:
    return path.startswith(("/", "\\")) or bool(_DRIVE.match(path))


def _stays_inside(base: list[str], target: str) -> bool:
    """Whether ``target``, resolved from the folder ``base``, stays inside the archive root."""
    if not target or "\0" in target or _is_absolute(target):
        return False
    depth = len(base)
    for part in _parts(target):
        depth += -1 if part == ".." else 1
        if depth < 0:
            return False
    return True


class _Checker:
    """The name, type, duplicate and size rules, applied to one archive's members in order."""

    def __init__(self, archive: str, limits: Limits, compressed_size: int | None):
        self.archive = archive
        self.limits = limits
        self.max_expanded = None if compressed_size is None else max(
            limits.ratio_grace_bytes, int(limits.max_ratio * compressed_size))
        self.members = 0
        self.total = 0
        self.names: set[str] = set()

    def refuse(self, raw: str, reason: str, advice: str = _REPACK) -> NoReturn:
        raise UnsafeArchiveMember(self.archive, raw, reason, advice)

    def count(self, raw: str) -> None:
        self.members += 1
        if self.members > self.limits.max_members:
            self.refuse(raw, f"is past the limit of {self.limits.max_members:,} members per archive",
                        _TRUSTED)

    def name(self, raw: str) -> str:
        """The normalised name ("" for the archive root itself)."""
        if "\0" in raw:
            self.refuse(raw, "has a NUL byte in its name")
        if _is_absolute(raw):
            self.refuse(raw, "is an absolute path")
        parts = _parts(raw)
        if ".." in parts:
            self.refuse(raw, "climbs out of the archive with '..'")
        try:
            raw.encode("utf-8")
        except UnicodeEncodeError:
            self.refuse(raw, "has a name that is not valid UTF-8")
        return "/".join(parts)

    def link(self, raw: str, name: str, target: str, *, hard: bool, skipped: list[str] | None) -> None:
        """Refuse a link leading outside the archive; note one that stays inside (links become no object)."""
        kind = "hardlink" if hard else "symlink"
        # a hard link's target is a member name; a symlink's is relative to the link's folder
        if not _stays_inside([] if hard else name.split("/")[:-1], target):
            self.refuse(raw, f"is a {kind} to {target!r}, outside the archive")
        if skipped is not None:
            skipped.append(f"{name} -> {target} ({kind})")

    def file(self, raw: str, name: str, size: int, mtime: float | None) -> Member:
        limits = self.limits
        if not name:
            self.refuse(raw, "has an empty name")
        if name in self.names:
            self.refuse(raw, f"has the same path as an earlier member ({name!r}): which wins is ambiguous")
        if size < 0:
            self.refuse(raw, f"declares a negative size ({size})")
        if size > limits.max_member_bytes:
            self.refuse(raw, f"declares {size:,} bytes, over the limit of {limits.max_member_bytes:,} "
                        "per member", _TRUSTED)
        self.total += size
        if self.total > limits.max_total_bytes:
            self.refuse(raw, "takes the archive's expanded size past the limit of "
                        f"{limits.max_total_bytes:,} bytes", _TRUSTED)
        if self.max_expanded is not None and self.total > self.max_expanded:
            self.refuse(raw, f"takes the archive past {limits.max_ratio:g} times its compressed size "
                        f"({self.total:,} bytes expanded), which looks like a decompression bomb", _TRUSTED)
        self.names.add(name)
        return Member(name, size, mtime)


class _Reader(io.RawIOBase):
    """One member's bytes; bad data raises UnreadableArchive and the count must match the declared size."""

    def __init__(self, inner: BinaryIO, member: Member, archive: str, kind: str,
                 lock: AbstractContextManager = nullcontext()):
        self._inner = inner
        self._member = member
        self._archive = archive
        self._kind = kind
        self._lock = lock
        self._left = member.size

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            return self.readall()
        if self.closed:
            raise ValueError("I/O operation on a closed archive member")
        with _reading(self._archive, self._kind, self._member.name):
            data = self._inner.read(size)
        self._left -= len(data)
        if self._left < 0:
            raise UnsafeArchiveMember(self._archive, self._member.name,
                                      f"holds more than the {self._member.size:,} bytes its header declares")
        if not data and size != 0 and self._left:
            declared, got = self._member.size, self._member.size - self._left
            raise UnreadableArchive(self._archive, f"the data ends after {got:,} of {declared:,} bytes",
                                    kind=self._kind, member=self._member.name)
        return data

    def readall(self) -> bytes:
        return b"".join(iter(lambda: self.read(self._left + 1), b""))

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        if not self.closed:
            with self._lock:
                self._inner.close()
        super().close()


class _Header(tarfile.TarInfo):
    """A tar header that records on the TarFile why the header read ending the archive failed.

    tarfile treats a missing, truncated or damaged header after the first one as the end of the
    archive; only a zero block (EOFHeaderError) is a real end.
    """

    __slots__ = ()

    @classmethod
    def fromtarfile(cls, tar: tarfile.TarFile) -> tarfile.TarInfo:
        try:
            return super().fromtarfile(tar)
        except tarfile.HeaderError as exc:
            tar.end_error = exc  # type: ignore[attr-defined]
            raise


def iter_tar(stream: BinaryIO, kind: str, *, archive: str, compressed_size: int | None = None,
             limits: Limits = Limits(), skipped: list[str] | None = None,
             ) -> Iterator[tuple[Member, BinaryIO]]:
    """Members of a tar stream read strictly sequentially (no seek): each yielded reader must be consumed
    (or abandoned) before the next item is requested; requesting it closes the previous reader.

    Decompresses gz/bz2/xz with the stdlib and zst with `zstandard`, all streaming with bounded memory.
    Links that stay inside the archive are skipped and described in ``skipped``.
    """
    if kind not in _DECOMPRESSORS:
        raise ValueError(f"not a tar kind: {kind!r}")
    check = _Checker(archive, limits, None if kind == "tar" else compressed_size)
    reader: _Reader | None = None
    with _reading(archive, kind):
        data = _DECOMPRESSORS[kind](stream)
        tar = tarfile.open(fileobj=data, mode="r|", tarinfo=_Header, encoding="utf-8")  # noqa: SIM115
    while True:
        if reader is not None:
            reader.close()
        with _reading(archive, kind):
            info = tar.next()
        tar.members.clear()  # stream mode would otherwise keep every header in memory
        if info is None:
            break
        check.count(info.name)
        if info.isdir():
            continue
        name = check.name(info.name)
        if info.issym() or info.islnk():
            check.link(info.name, name, info.linkname, hard=info.islnk(), skipped=skipped)
            continue
        if not info.isreg():
            check.refuse(info.name, f"is {_TAR_TYPES.get(info.type, f'of tar type {info.type!r}')}; "
                         "only regular files can become objects")
        member = check.file(info.name, name, info.size, float(info.mtime))
        with _reading(archive, kind, member.name):
            reader = _Reader(tar.extractfile(info), member, archive, kind)  # type: ignore[arg-type]
        yield member, reader  # type: ignore[misc]
    end = getattr(tar, "end_error", None)
    if not isinstance(end, tarfile.EOFHeaderError):
        raise UnreadableArchive(archive, f"the tar data is truncated or damaged after its last good member "
                                f"({end})", kind=kind)
    with _reading(archive, kind):  # reading on lets the decompressor reach its end and verify its checksum
        trailer = tar.fileobj.read(_MAX_TRAILER)  # type: ignore[union-attr]
    if trailer.count(0) != len(trailer):
        raise UnreadableArchive(archive, "data follows the end-of-archive marker: a damaged header, or "
                                "several archives joined together", kind=kind)


def _zip_mode(info: zipfile.ZipInfo) -> int:
    """The Unix file mode of a zip member made on Unix, else 0."""
    return info.external_attr >> 16 if info.create_system == 3 else 0


def _zip_mtime(info: zipfile.ZipInfo) -> float | None:
    try:
        return time.mktime((*info.date_time, 0, 0, -1))
    except (OverflowError, ValueError):
        return None


def iter_zip(file: BinaryIO, *, archive: str, compressed_size: int | None = None, limits: Limits = Limits(),
             skipped: list[str] | None = None) -> Iterator[tuple[Member, Callable[[], BinaryIO]]]:
    """Members of a zip from a *seekable* file object, each with an opener giving an independent reader.

    All members are checked from the central directory before the first is yielded. Openers may be
    called from several threads at once: zipfile serialises each read of the shared file under its
    own lock, decompression runs in parallel. ``compressed_size`` defaults to the file's size.
    """
    lock = threading.RLock()  # re-entrant: a reader collected while its thread holds the lock closes fine
    with _reading(archive, "zip"):
        if compressed_size is None:
            compressed_size = file.seek(0, io.SEEK_END)
        zf = zipfile.ZipFile(file)
    check = _Checker(archive, limits, compressed_size)
    members: list[tuple[Member, zipfile.ZipInfo]] = []
    for info in zf.infolist():
        raw, mode = info.orig_filename, _zip_mode(info)
        check.count(raw)
        if raw.endswith("/") or stat.S_ISDIR(mode):
            continue
        name = check.name(raw)
        if info.flag_bits & 0x1:
            raise UnreadableArchive(archive, "it is encrypted", kind="zip", member=raw,
                                    hint="octoup cannot decrypt zips: copy it as it is with --no-unpack.")
        if info.compress_type not in _ZIP_METHODS:
            raise UnreadableArchive(archive, f"it uses zip compression method {info.compress_type}, which "
                                    "Python's zipfile cannot read", kind="zip", member=raw,
                                    hint="Repack it with deflate, or copy it as it is with --no-unpack.")
        if stat.S_ISLNK(mode):
            if info.file_size > _MAX_LINK:
                check.refuse(raw, f"is a symlink with a target longer than {_MAX_LINK} bytes")
            with _reading(archive, "zip", raw):
                target = zf.read(info).decode("utf-8", "surrogateescape")
            check.link(raw, name, target, hard=False, skipped=skipped)
        elif stat.S_IFMT(mode) not in (0, stat.S_IFREG):  # writers may leave out the type bits
            check.refuse(raw, f"is not a regular file (mode {mode:o}); only regular files can become objects")
        else:
            members.append((check.file(raw, name, info.file_size, _zip_mtime(info)), info))

    def opener(member: Member, info: zipfile.ZipInfo) -> Callable[[], BinaryIO]:
        def open_member() -> BinaryIO:
            with lock, _reading(archive, "zip", member.name):
                inner = zf.open(info)
            return _Reader(inner, member, archive, "zip", lock)  # type: ignore[return-value]
        return open_member

    for member, info in members:
        yield member, opener(member, info)

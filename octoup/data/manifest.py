"""A dataset's manifest: where its bytes live and what each file is (``data/.octoup/<name>/manifest.json``).

The manifest is small and committed to git; the bytes stay in the bucket. A file is recorded only
after its object is completely written and verified, so the manifest never promises bytes that are
not there. Writes are atomic (temporary file + rename) and thread-safe.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from octoup.errors import ConfigError, OctoupError

FORMAT = 1
META_DIR = Path("data/.octoup")
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def check_name(name: str) -> None:
    if not NAME.fullmatch(name):
        raise OctoupError(f"'{name}' is not a usable dataset name",
                          "Use letters, digits, '.', '_' and '-' (up to 64), starting with a letter "
                          "or digit.")


def folder(root: Path, name: str) -> Path:
    return root / META_DIR / name


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class FileEntry:
    """One file of a dataset, as stored in the bucket under ``prefix + path``."""

    size: int
    sha256: str | None
    checksums: dict[str, str] = field(default_factory=dict)
    source: str = ""
    """Where the bytes came from: a path, a URL, a bucket URI, or ``archive!member``."""
    source_id: str = ""
    """What the source was when copied (ETag, size and mtime...): unchanged means nothing to copy."""
    version_id: str | None = None
    key: str | None = None
    """Set in snapshots when the bytes moved to the version archive (see octoup.data.versions)."""


@dataclass
class Manifest:
    name: str
    cloud: str
    bucket: str
    prefix: str
    uri: str
    sources: list[str] = field(default_factory=list)
    files: dict[str, FileEntry] = field(default_factory=dict)
    created: str = field(default_factory=now)
    updated: str = field(default_factory=now)
    version: str | None = None
    """Set in snapshots (``octoup data version``): the version's label."""
    sample_files: dict[str, FileEntry] = field(default_factory=dict)
    """``octoup data sample``'s files, each with its own key under ``<prefix>sample/``."""
    sample_spec: dict | None = None
    format: int = FORMAT

    def __post_init__(self) -> None:
        self._lock = threading.Lock()

    def key(self, path: str) -> str:
        return f"{self.prefix}{path}"

    @property
    def total_bytes(self) -> int:
        return sum(f.size for f in self.files.values())

    def record(self, path: str, entry: FileEntry) -> None:
        with self._lock:
            self.files[path] = entry
            self.updated = now()

    def forget(self, path: str) -> None:
        with self._lock:
            self.files.pop(path, None)
            self.updated = now()

    def to_json(self) -> str:
        with self._lock:
            data = asdict(self)
        data["files"] = dict(sorted(data["files"].items()))
        data["sample_files"] = dict(sorted(data["sample_files"].items()))
        return json.dumps(data, indent=1, ensure_ascii=False) + "\n"

    def save(self, path: Path) -> None:
        from octoup.textfiles import write_atomic

        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, self.to_json())

    @classmethod
    def load(cls, path: Path, shown: str | None = None) -> Manifest:
        from octoup.textfiles import read_json

        data = read_json(path, shown)
        try:
            files = {k: FileEntry(**v) for k, v in data.pop("files", {}).items()}
            data["sample_files"] = {k: FileEntry(**v) for k, v in data.get("sample_files", {}).items()}
            if data.get("format", FORMAT) > FORMAT:
                raise ConfigError(shown or str(path), f"manifest format {data['format']} is newer than "
                                  "this octoup understands", hint="Upgrade octoup.")
            return cls(**data, files=files)
        except TypeError as exc:
            raise ConfigError(shown or str(path), f"not an octoup manifest ({exc})",
                              hint="Restore it from git (`git checkout -- <file>`).") from None


def manifest_path(root: Path, name: str) -> Path:
    return folder(root, name) / "manifest.json"


def load_dataset(root: Path, name: str) -> Manifest:
    path = manifest_path(root, name)
    if not path.is_file():
        known = sorted(p.parent.name for p in (root / META_DIR).glob("*/manifest.json"))
        raise OctoupError(f"no dataset named '{name}' in this project",
                          f"Datasets: {', '.join(known)}." if known
                          else "Copy one in with `octoup data copy SRC --name NAME`.")
    return Manifest.load(path, str(path.relative_to(root)))


def datasets(root: Path) -> list[Manifest]:
    return [Manifest.load(p, str(p.relative_to(root)))
            for p in sorted((root / META_DIR).glob("*/manifest.json"))]

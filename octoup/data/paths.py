"""``octoup.data.path`` / ``octoup.data.open``: a dataset file, pulled or not.

``"flights/flights.csv"`` names file ``flights.csv`` of dataset ``flights``. When it has been
pulled into ``data/raw/flights/`` (and is intact by size), that local path is used; otherwise the
object in the dataset's bucket: :func:`path` returns its URI (``s3://...``, for fsspec-aware
libraries) or, with ``presign=True``, a URL any HTTP client can read; :func:`open` streams it
through octoup's own storage adapter, so no extra library is needed.
"""

from __future__ import annotations

import builtins
from pathlib import Path
from typing import BinaryIO

from octoup.errors import OctoupError


def _resolve(name: str, start: Path | None):
    from octoup import config
    from octoup.data import manifest as mf
    from octoup.data.pull import local_folder
    from octoup.project_root import find_root

    root = find_root(start)
    if root is None:
        raise OctoupError(f"cannot resolve {name!r}: not inside an octoup project (no octoup.toml above "
                          f"{start or Path.cwd()})", "Run the script from the project folder.")
    dataset, _, rest = name.strip("/").partition("/")
    if not rest:
        raise OctoupError(f"{name!r} names no file: write DATASET/PATH, e.g. 'flights/flights.csv'")
    manifest = mf.load_dataset(root, dataset)
    entry = manifest.files.get(rest)
    if entry is None:
        raise OctoupError(f"dataset '{dataset}' has no file {rest!r}",
                          f"List its files with `octoup data ls {dataset}`.")
    local = local_folder(root, dataset) / rest
    sizes = {entry.size} | ({manifest.sample_files[rest].size} if rest in manifest.sample_files else set())
    pulled = local.is_file() and local.stat().st_size in sizes  # the full file, or its pulled sample
    return config.load(root), manifest, rest, local if pulled else None


def path(name: str, *, presign: bool = False, start: Path | None = None) -> str:
    """The local file when pulled, else the object's URI (or a presigned URL with ``presign``)."""
    from octoup import registry

    project, manifest, rest, local = _resolve(name, start)
    if local is not None:
        return str(local)
    storage = registry.for_project(project, manifest.cloud)
    key = manifest.key(rest)
    direct = storage.direct_url(manifest.bucket, key) if presign or manifest.cloud == "local" else None
    if presign and direct is None:
        raise OctoupError(f"the {manifest.cloud} adapter cannot presign URLs yet",
                          "Pull the file (`octoup data pull`), or use octoup.data.open().")
    return direct or storage.uri(manifest.bucket, key)


def open(name: str, mode: str = "rb", *, start: Path | None = None, encoding: str | None = None):
    """Open the dataset file for reading: the local copy when pulled, else a stream from the bucket."""
    import io

    from octoup import registry

    if mode not in ("r", "rb", "rt"):
        raise OctoupError(f"octoup.data.open: mode {mode!r} is not supported (datasets are read-only here)",
                          "Change files under data/raw/<name>/ and `octoup data push` them.")
    project, manifest, rest, local = _resolve(name, start)
    if local is not None:
        return builtins.open(local, mode, encoding=encoding)
    stream: BinaryIO = registry.for_project(project, manifest.cloud).open(manifest.bucket, manifest.key(rest))
    return stream if mode == "rb" else io.TextIOWrapper(stream, encoding=encoding or "utf-8")

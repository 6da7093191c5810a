"""``Session.load`` and ``Session.split``: find a table (a file or a project dataset), read it with
pandas or polars, and split it reproducibly."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from octoup.errors import OctoupError
from octoup.track.session import LoadedData

READERS = {".csv": "csv", ".tsv": "tsv", ".parquet": "parquet", ".pq": "parquet", ".jsonl": "jsonl",
           ".ndjson": "jsonl"}


@dataclass
class Found:
    data: LoadedData
    file_name: str
    local: Path | None
    opener: Callable[[], IO[bytes]]


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def resolve(root: Path, name: str | Path) -> Found:
    """A path to a file, else ``DATASET`` (its only table) or ``DATASET/FILE`` of the project."""
    from octoup.data import manifest as mf
    from octoup.project_root import display

    path = Path(name)
    if not path.is_absolute():
        path = Path.cwd() / path
    if path.is_file():
        shown = str(display(path, root))
        data = LoadedData(path.stem, "file", sha256_file(path), shown)
        return Found(data, path.name, path, path.open)
    dataset, _, rest = str(name).strip("/").partition("/")
    known = sorted(p.parent.name for p in (root / mf.META_DIR).glob("*/manifest.json"))
    if dataset not in known:
        raise OctoupError(f"no file or dataset named {str(name)!r}",
                          f"Project datasets: {', '.join(known)}." if known else
                          "Give the path of a CSV/Parquet file, or copy a dataset in with "
                          "`octoup data copy`.")
    manifest = mf.load_dataset(root, dataset)
    if not rest:
        tables = [f for f in manifest.files if Path(f).suffix.lower() in READERS]
        if len(tables) != 1:
            raise OctoupError(f"dataset '{dataset}' has {len(tables)} tables; say which one",
                              f"e.g. s.load('{dataset}/{tables[0] if tables else 'FILE'}')")
        rest = tables[0]
    entry = manifest.files.get(rest)
    if entry is None:
        raise OctoupError(f"dataset '{dataset}' has no file {rest!r}",
                          f"List its files with `octoup data ls {dataset}`.")
    import octoup.data

    where = octoup.data.path(f"{dataset}/{rest}", start=root)
    local = Path(where) if "://" not in where else None
    data = LoadedData(dataset, manifest.version or f"latest ({manifest.updated})",
                      entry.sha256 or "", f"{dataset}/{rest}")
    return Found(data, rest, local, lambda: octoup.data.open(f"{dataset}/{rest}", start=root))


def read_table(source: Path | IO[bytes], file_name: str, engine: str):
    kind = READERS.get(Path(file_name).suffix.lower())
    if kind is None:
        raise OctoupError(f"cannot read {file_name} as a table",
                          f"Supported: {', '.join(sorted(READERS))}.")
    if engine == "pandas":
        import pandas as pd

        if kind == "parquet":
            return pd.read_parquet(source)
        if kind == "jsonl":
            return pd.read_json(source, lines=True)
        return pd.read_csv(source, sep="\t" if kind == "tsv" else ",")
    if engine == "polars":
        import polars as pl

        if kind == "parquet":
            return pl.read_parquet(source)
        if kind == "jsonl":
            return pl.read_ndjson(source)
        return pl.read_csv(source, separator="\t" if kind == "tsv" else ",")
    raise OctoupError(f"unknown engine {engine!r}", "Use engine='pandas' or engine='polars'.")


def split(frame, train: float, seed: int):
    """A seeded random permutation cut at ``train``; the same rows for pandas and polars."""
    import numpy as np

    if not 0 < train < 1:
        raise OctoupError(f"train={train} is not a fraction between 0 and 1", "e.g. train=0.7")
    order = np.random.default_rng(seed).permutation(len(frame))
    cut = round(len(frame) * train)
    if type(frame).__module__.startswith("polars"):
        return frame[order[:cut].tolist()], frame[order[cut:].tolist()]
    return frame.iloc[order[:cut]], frame.iloc[order[cut:]]

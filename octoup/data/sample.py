"""``octoup data sample``: a small, deterministic sample of a dataset, stored next to it in the bucket.

Tables (CSV, TSV, Parquet, JSON lines) are sampled by rows, streamed from where they live: uniformly,
or stratified by a column so every value keeps its share (and at least one row). Other files
(images, archives...) are sampled as files: a seeded subset, copied server-side. Samples go to
``<prefix>sample/<path>`` and are listed in the manifest, so ``octoup data pull NAME --sample``
fetches only them. The same seed gives the same sample.
"""

from __future__ import annotations

import io
import json
import math
import random
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from octoup.adaptors import optional_import
from octoup.data import manifest as mf
from octoup.data.tables import fmt_of
from octoup.errors import OctoupError

if TYPE_CHECKING:
    from octoup.config import Project

@dataclass(frozen=True)
class SampleSpec:
    fraction: float | None = None
    rows: int | None = None
    stratify: str | None = None
    seed: int = 0
    split: float = 0.7
    """Share of each sampled table that goes to ``split/train/``; the rest goes to ``split/eval/``."""
    examples: int = 5
    """Rows per table of the eval split written to ``examples.jsonl`` (committed with the stats)."""

    def check(self) -> None:
        if (self.fraction is None) == (self.rows is None):
            raise OctoupError("give either --fraction or --rows",
                              "For example: --fraction 0.01, or --rows 1000.")
        if self.fraction is not None and not 0 < self.fraction <= 1:
            raise OctoupError(f"--fraction {self.fraction} is not in (0, 1]", "For example: --fraction 0.05.")
        if self.rows is not None and self.rows < 1:
            raise OctoupError(f"--rows {self.rows} is not a positive number of rows")
        if not 0 <= self.split < 1:
            raise OctoupError(f"--split {self.split} is not in [0, 1)",
                              "It is the train share, e.g. --split 0.7; 0 makes no split.")


def parse_amount(text: str) -> tuple[float | None, int | None]:
    """``1%`` or ``0.01`` → a fraction; ``1000`` → rows."""
    try:
        if text.endswith("%"):
            return float(text[:-1]) / 100, None
        if "." in text:
            return float(text), None
        return None, int(text)
    except ValueError:
        raise OctoupError(f"--sample {text!r} is not a share or a number of rows",
                          "For example: --sample 1%, --sample 0.01 or --sample 1000.") from None


@dataclass
class SampleSummary:
    name: str
    tables: int
    files: int
    rows_in: int
    rows_out: int
    bytes_out: int
    split_files: int = 0


def sample_key(manifest: mf.Manifest, path: str) -> str:
    return f"{manifest.prefix}sample/{path}"


def _write(frame, fmt: str) -> bytes:
    buffer = io.BytesIO()
    if fmt == "parquet":
        frame.write_parquet(buffer)
    elif fmt == "jsonl":
        frame.write_ndjson(buffer)
    else:
        frame.write_csv(buffer, separator="\t" if fmt == "tsv" else ",")
    return buffer.getvalue()


def sample_table(batches: Callable[[], Iterable], spec: SampleSpec):
    """Stream a table once and keep the sample: every row gets a key hashed from (seed, row number);
    a group's sample is its rows with the smallest keys (the group is the table, or a --stratify
    value), so the result is deterministic and uniform. Only rows under a cut are held: a share
    twice the asked one (--fraction), or the 2N smallest keys so far (--rows). When the cut kept too
    few rows of some group (a small table, a rare value), a second pass keeps every row.
    Returns the sampled rows in their original order, and the table's row count."""
    pl = optional_import("polars", "polars", "tabular")
    cut = int(2**64 * min(1.0, 2 * spec.fraction)) - 1 if spec.fraction is not None else None
    for keep_all in (False, True):
        held, total, sizes = None, 0, {}
        for frame in batches():
            if spec.stratify is not None and spec.stratify not in frame.columns:
                raise OctoupError(f"--stratify {spec.stratify}: no such column",
                                  f"Columns: {', '.join(frame.columns[:20])}.")
            keyed = frame.with_columns(pl.int_range(total, total + frame.height, dtype=pl.UInt64).alias(_ROW))
            keyed = keyed.with_columns(pl.col(_ROW).hash(spec.seed).alias(_KEY))
            total += frame.height
            if spec.stratify is not None:
                for value, n in frame.get_column(spec.stratify).value_counts().iter_rows():
                    sizes[value] = sizes.get(value, 0) + n
            if not keep_all and cut is not None:
                keyed = keyed.filter(pl.col(_KEY) <= cut)
            held = keyed if held is None else pl.concat([held, keyed])
            if not keep_all and spec.rows is not None and held.height > 2 * spec.rows:
                held = held.bottom_k(2 * spec.rows, by=_KEY)
        if held is None or total == 0:
            return (held.drop(_ROW, _KEY) if held is not None else None), 0
        picked = _smallest_keys(pl, held, total, sizes, spec)
        if picked is not None or keep_all:
            return picked.sort(_ROW).drop(_ROW, _KEY), total
    raise AssertionError("unreachable: the second pass keeps every row")


_ROW, _KEY = "__octoup_row", "__octoup_key"


def _smallest_keys(pl, kept, total: int, sizes: dict, spec: SampleSpec):
    """Each group's wanted number of rows with the smallest keys, or None if ``kept`` lacks some."""
    if spec.stratify is None:
        want = {None: min(total, spec.rows) if spec.rows else max(1, round(total * spec.fraction))}
        groups = {None: kept}
    else:
        want = {v: min(n, max(1, round(spec.rows * n / total) if spec.rows else round(n * spec.fraction)))
                for v, n in sizes.items()}
        groups = {key[0]: group for key, group in kept.group_by(spec.stratify)}
    parts = []
    for value, n in want.items():
        group = groups.get(value)
        if group is None or group.height < n:
            return None
        parts.append(group.bottom_k(n, by=_KEY))
    return pl.concat(parts)


def sample_dataset(project: Project, name: str, spec: SampleSpec) -> SampleSummary:
    from octoup import registry
    from octoup.data.stats.engine import StatsRequest, dataset_task, per_worker
    from octoup.data.stats.readers import batches

    spec.check()
    manifest = mf.load_dataset(project.root, name)
    memory = per_worker(StatsRequest(name), 1)  # one table at a time
    storage = registry.for_project(project, manifest.cloud)
    tables = sorted(p for p in manifest.files if fmt_of(p))
    others = sorted(p for p in manifest.files if not fmt_of(p))
    summary = SampleSummary(name, len(tables), 0, 0, 0, 0)
    files: dict[str, mf.FileEntry] = {}
    examples: list[str] = []

    def put(path: str, frame, fmt: str, what: str) -> None:
        data = _write(frame, fmt)
        result = storage.upload_stream(manifest.bucket, sample_key(manifest, path), io.BytesIO(data),
                                       size=len(data))
        files[path] = mf.FileEntry(result.size, result.sha256, dict(result.info.checksums), what,
                                   f"rows={frame.height}", key=sample_key(manifest, path))

    for path in tables:
        fmt = fmt_of(path)
        task = dataset_task(project, manifest, path, manifest.files[path], memory)
        picked, rows = sample_table(lambda task=task: batches(task), spec)
        put(path, picked, fmt, f"sample of {path}")
        if spec.split:
            train, held_out = split_frame(picked, spec.split, spec.seed)
            put(f"split/train/{path}", train, fmt, f"train split of the sample of {path}")
            put(f"split/eval/{path}", held_out, fmt, f"eval split of the sample of {path}")
            examples += [json.dumps({"table": path, "split": "eval", "row": json.loads(line)},
                                    ensure_ascii=False)
                         for line in held_out.head(spec.examples).write_ndjson().splitlines()]
        summary.rows_in += rows
        summary.rows_out += picked.height
    count = min(len(others), spec.rows) if spec.rows else math.ceil(len(others) * (spec.fraction or 0))
    for path in sorted(random.Random(spec.seed).sample(others, count)):
        entry = manifest.files[path]
        info = storage.copy(manifest.bucket, manifest.key(path), manifest.bucket, sample_key(manifest, path))
        files[path] = mf.FileEntry(info.size, entry.sha256, dict(info.checksums), f"sample of {path}",
                                   "file", key=sample_key(manifest, path))
    summary.files = sum(not p.startswith("split/") for p in files)
    summary.split_files = len(files) - summary.files
    summary.bytes_out = sum(e.size for e in files.values())
    stale = set(manifest.sample_files) - set(files)
    for path in stale:  # an earlier, bigger sample: its extra objects go
        storage.delete(manifest.bucket, sample_key(manifest, path))
    manifest.sample_files = files
    manifest.sample_spec = asdict(spec)
    manifest.save(mf.manifest_path(project.root, name))
    if examples:
        from octoup.data import meta

        meta.store(project, manifest, {"examples.jsonl": "\n".join(examples) + "\n"})
    return summary


def split_frame(frame, train: float, seed: int):
    """A seeded shuffle cut in two: ``train`` of the rows, then the rest (eval)."""
    shuffled = frame.sample(fraction=1.0, shuffle=True, seed=seed)
    n = round(frame.height * train)
    return shuffled.head(n), shuffled.tail(frame.height - n)

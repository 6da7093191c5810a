"""Read a table in place, in batches: Parquet by row groups over ranged reads, CSV/TSV/JSON lines as
streams. Nothing is downloaded whole first. A file that cannot be read raises :class:`BadFile` with
the line (or part) that is wrong, found by a second, careful pass over it.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from octoup.config import CloudSettings
from octoup.data.tables import fmt_of
from octoup.errors import OctoupError

CSV_BLOCK = 4 * 2**20
WORKING_SET = 4
"""A batch takes about this many times its raw size while summarised (casts, hashes, sketch input)."""
MAX_ROWS = 1_000_000


def batch_rows(memory: int, row_bytes: float) -> int:
    """Rows per batch so that a batch's working set fits ``memory``."""
    return int(min(MAX_ROWS, max(1_000, memory // max(1.0, row_bytes * WORKING_SET))))


class BadFile(OctoupError):
    """A file that is not what its name says, located as ``shown[:line]``."""

    def __init__(self, shown: str, problem: str, *, line: int | None = None, hint: str | None = None):
        super().__init__(f"{shown}{f':{line}' if line else ''}: {problem}",
                         hint or "Fix or remove the file, or leave it out with --skip-bad.")
        self.shown, self.problem, self.line = shown, problem, line


@dataclass(frozen=True)
class FileTask:
    """One file to read: everything a worker (a thread, or a Dask worker elsewhere) needs. No secrets:
    workers find credentials through the cloud's own chain, as the CLI does."""

    cloud: str
    settings: CloudSettings
    project: str | None
    bucket: str
    key: str
    path: str
    size: int
    shown: str
    memory: int
    """Bytes this file's batches may take while summarised (the run's budget over its workers)."""
    local: str | None = None
    """A file on this machine, read directly (``validate PATH``); then cloud and bucket are unused."""

    @property
    def fmt(self) -> str:
        return fmt_of(self.path) or "csv"

    def storage(self):
        from octoup import registry

        return registry.storage(self.cloud, self.settings, project=self.project)


def batches(task: FileTask) -> Iterator[object]:
    """polars DataFrames small enough for ``task.memory``."""
    import polars as pl

    readers = {"parquet": _parquet, "jsonl": _jsonl}
    for batch in readers.get(task.fmt, _csv)(task):
        yield pl.from_arrow(batch) if not isinstance(batch, pl.DataFrame) else batch


def _local_path(task: FileTask) -> str | None:
    """The file's path when it is on this machine (a local file, or the local provider's store)."""
    if task.local:
        return task.local
    return task.storage().direct_url(task.bucket, task.key) if task.cloud == "local" else None


def _open(task: FileTask, *, seekable: bool = False) -> BinaryIO:
    """The file itself when local; else ranged reads from the bucket: with a block cache for readers
    that seek (Parquet), with parallel read-ahead for readers that stream (CSV, JSON lines)."""
    if path := _local_path(task):
        return open(path, "rb")
    from octoup.data.ranges import PrefetchReader, RangeFile

    storage = task.storage()

    def read_at(start: int, length: int) -> bytes:
        return storage.read(task.bucket, task.key, start, length)

    raw = RangeFile(read_at, task.size, block_size=2**20, blocks=8) if seekable \
        else PrefetchReader(read_at, task.size)
    return io.BufferedReader(raw, buffer_size=2**20)


def _parquet(task: FileTask) -> Iterator[object]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    if path := _local_path(task):  # polars' own reader: parallel decoding, row groups picked by slice
        import polars as pl

        try:
            rows, step = _parquet_rows(pq.ParquetFile(path).metadata, task.memory)
            for start in range(0, max(rows, 1), step):
                yield pl.scan_parquet(path).slice(start, step).collect()
        except (pa.ArrowInvalid, OSError, pl.exceptions.PolarsError) as exc:
            raise BadFile(task.shown, f"not a readable Parquet file ({_first_line(exc)})") from None
        return
    with _open(task, seekable=True) as raw:
        try:
            parquet = pq.ParquetFile(raw)
            yield from parquet.iter_batches(batch_size=_parquet_rows(parquet.metadata, task.memory)[1])
        except (pa.ArrowInvalid, OSError) as exc:
            raise BadFile(task.shown, f"not a readable Parquet file ({_first_line(exc)})") from None


def _parquet_rows(metadata, memory: int) -> tuple[int, int]:
    """The file's rows, and rows per batch from its uncompressed size per row."""
    rows = metadata.num_rows
    raw = sum(metadata.row_group(i).total_byte_size for i in range(metadata.num_row_groups))
    return rows, batch_rows(memory, raw / max(rows, 1))


def _csv(task: FileTask) -> Iterator[object]:
    import pyarrow as pa
    import pyarrow.csv as pcsv

    delimiter = "\t" if task.fmt == "tsv" else ","
    if task.size == 0:
        raise BadFile(task.shown, "the file is empty (not even a header line)")
    with _open(task) as raw:
        try:
            reader = pcsv.open_csv(raw, read_options=pcsv.ReadOptions(block_size=CSV_BLOCK),
                                   parse_options=pcsv.ParseOptions(delimiter=delimiter),
                                   convert_options=pcsv.ConvertOptions(strings_can_be_null=True))
            if any(pa.types.is_binary(f.type) for f in reader.schema):  # text that is not UTF-8
                raise pa.ArrowInvalid("invalid UTF-8 text")
            yield from _rebatch(reader, task.memory)
        except pa.ArrowInvalid as exc:
            schema = reader.schema if "reader" in locals() else None
            raise _locate_csv(task, delimiter, schema, exc) from None


def _jsonl(task: FileTask) -> Iterator[object]:
    import pyarrow as pa
    import pyarrow.json as pjson

    if task.size == 0:
        raise BadFile(task.shown, "the file is empty")
    with _open(task) as raw:
        try:
            reader = pjson.open_json(raw, read_options=pjson.ReadOptions(block_size=CSV_BLOCK))
            yield from _rebatch(reader, task.memory)
        except pa.ArrowInvalid as exc:
            raise _locate_jsonl(task, exc) from None


def _rebatch(reader, memory: int) -> Iterator[object]:
    """Group a reader's small record batches into tables whose working set fits ``memory``."""
    import pyarrow as pa

    pending, count, nbytes = [], 0, 0
    for batch in reader:
        pending.append(batch)
        count += batch.num_rows
        nbytes += batch.nbytes
        if count >= MAX_ROWS or nbytes * WORKING_SET >= memory:
            yield pa.Table.from_batches(pending)
            pending, count, nbytes = [], 0, 0
    if pending or count == 0:
        yield pa.Table.from_batches(pending, schema=reader.schema)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _lines(task: FileTask) -> Iterator[tuple[int, bytes]]:
    with _open(task) as raw:
        yield from enumerate(raw, 1)


def _locate_csv(task: FileTask, delimiter: str, schema, exc: BaseException) -> BadFile:
    """Find the first line that breaks the file: bad UTF-8, a ragged row, or a value of the wrong type."""
    types = {f.name: str(f.type) for f in schema} if schema is not None else {}

    def decoded() -> Iterator[str]:
        for number, raw in _lines(task):
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError as bad:
                raise BadFile(task.shown, f"not UTF-8 text (byte {raw[bad.start]:#04x} at column "
                              f"{bad.start + 1})", line=number,
                              hint="Convert the file to UTF-8 (e.g. `iconv -f latin1 -t utf-8`).") from None

    rows = csv.reader(decoded(), delimiter=delimiter)
    header = next(rows, None)
    for row in rows:
        line = rows.line_num
        if len(row) != len(header):
            return BadFile(task.shown, f"{len(row)} fields where the header has {len(header)}", line=line,
                           hint="Every row needs as many fields as the header; check quoting.")
        for name, value in zip(header, row, strict=True):
            if not _fits(value, types.get(name, "string")):
                return BadFile(task.shown, f"column '{name}' holds {value!r}, but earlier rows made it "
                               f"{types[name]}: mixed types in one column", line=line,
                               hint="Fix the value, or quote the column's values so it is read as text.")
    return BadFile(task.shown, f"not readable as {task.fmt} ({_first_line(exc)})")


def _fits(value: str, arrow_type: str) -> bool:
    if value in ("", "NA", "N/A", "NaN", "nan", "null", "NULL", "None", "#N/A", "-nan", "-NaN"):
        return True
    try:
        if arrow_type.startswith(("int", "uint")):
            int(value)
        elif arrow_type in ("double", "float"):
            float(value)
        elif arrow_type == "bool":
            return value.lower() in ("true", "false", "1", "0")
        elif arrow_type == "null":
            return False
    except ValueError:
        return False
    return True


def _locate_jsonl(task: FileTask, exc: BaseException) -> BadFile:
    kinds: dict[str, str] = {}
    for number, raw in _lines(task):
        if not raw.strip():
            continue
        try:
            record = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError) as bad:
            return BadFile(task.shown, f"not a JSON object ({bad})", line=number)
        if not isinstance(record, dict):
            return BadFile(task.shown, f"a JSON {type(record).__name__} where each line needs an object",
                           line=number)
        for key, value in record.items():
            if value is None:
                continue
            kind = "number" if isinstance(value, int | float) and not isinstance(value, bool) \
                else type(value).__name__
            if kinds.setdefault(key, kind) != kind:
                return BadFile(task.shown, f"field '{key}' is {kind} here but {kinds[key]} in earlier "
                               "lines: mixed types in one field", line=number,
                               hint="Make every line use one type per field.")
    return BadFile(task.shown, f"not readable as JSON lines ({_first_line(exc)})")

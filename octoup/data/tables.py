"""Which files of a dataset are tables, by their suffix."""

from __future__ import annotations

FORMATS = {".csv": "csv", ".tsv": "tsv", ".parquet": "parquet", ".pq": "parquet", ".jsonl": "jsonl",
           ".ndjson": "jsonl"}


def fmt_of(path: str) -> str | None:
    """The table format a file name says (csv, tsv, parquet, jsonl), or None for other files."""
    return FORMATS.get("." + path.rsplit(".", 1)[-1].lower()) if "." in path else None

"""Finished statistics as they are stored in ``data/.octoup/<name>/stats.json`` (small, committed).

The shape follows TFDV's feature statistics: per column a common part (count, missing), numeric
stats with standard and quantile histograms, string stats with top values and average length.
"""

from __future__ import annotations

import math
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from octoup.data.stats.partial import (
    BOOLEAN,
    FLOAT,
    KLL_K,
    KMV_K,
    NUMERIC,
    STRING,
    ColumnPartial,
    TablePartial,
)

FORMAT = 1
QUANTILES = (0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99)
BUCKETS = 10
TOP_KEPT = 100
"""Top values kept per column: enough for a categorical domain, small enough to commit."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Bucket(_Model):
    low: float
    high: float
    count: float


class NumericStats(_Model):
    mean: float | None
    std: float | None
    zeros: int
    nan: int = 0
    """NaN and infinite values (not in mean, std, quantiles or histograms)."""
    quantiles: dict[str, float] = Field(default_factory=dict)
    histogram: list[Bucket] = Field(default_factory=list)
    """Equal-width buckets between min and max."""
    quantile_histogram: list[Bucket] = Field(default_factory=list)
    """Buckets that each hold about the same number of values."""
    rank_error: float | None = None
    """Quantiles and histogram counts are within this fraction of the count (KLL sketch)."""


class StringStats(_Model):
    avg_length: float | None
    min_length: int | None
    max_length: int | None
    top_values: list[tuple[str, int]] = Field(default_factory=list)
    top_values_exact: bool = True
    top_error: int = 0
    """Each top-value count may be low by at most this much when not exact."""


class ColumnStats(_Model):
    type: str
    dtype: str
    count: int
    missing: int
    min: bool | int | float | str | None = None
    max: bool | int | float | str | None = None
    distinct: int | None = None
    distinct_exact: bool = True
    numeric: NumericStats | None = None
    string: StringStats | None = None

    @property
    def presence(self) -> float:
        total = self.count + self.missing
        return self.count / total if total else 0.0


class FileStats(_Model):
    path: str
    rows: int


class TableStats(_Model):
    """Files that share one set of columns: one table (a single file, or a partitioned table)."""

    rows: int
    files: list[FileStats]
    columns: dict[str, ColumnStats]


class DatasetStats(_Model):
    format: int = FORMAT
    dataset: str
    sample: bool = False
    tables: dict[str, TableStats]
    skipped: dict[str, str] = Field(default_factory=dict)
    """Files left out (``--skip-bad``) and why."""
    engine: str = "polars"
    computed: str = ""
    manifest_updated: str = ""
    """The manifest's ``updated`` when these were computed: older stats say so."""
    sketches: dict[str, float] = Field(default_factory=dict)
    """The sketches' stated errors: KLL rank error, KMV relative standard error."""

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.tables.values())

    def to_json(self) -> str:
        return self.model_dump_json(indent=1) + "\n"

    @classmethod
    def load(cls, path: Path, shown: str) -> DatasetStats:
        from pydantic import ValidationError

        from octoup.errors import ConfigError
        from octoup.textfiles import read_json

        try:
            return cls.model_validate(read_json(path, shown))
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise ConfigError(shown, f"not octoup statistics: {where}: {first['msg']}",
                              hint="Recompute them with `octoup data stats NAME`.") from None


def finish(name: str, tables: dict[str, TablePartial], **meta) -> DatasetStats:
    """Turn merged partials (one per table) into the stored statistics."""
    import datasketches

    return DatasetStats(
        dataset=name,
        tables={table: TableStats(rows=part.rows, columns={c: _column(p) for c, p in part.columns.items()},
                                  files=[FileStats(path=f, rows=n) for f, n in sorted(part.files.items())])
                for table, part in tables.items()},
        sketches={"quantile_rank_error": datasketches.kll_doubles_sketch(KLL_K).normalized_rank_error(False),
                  "distinct_relative_error": 1 / math.sqrt(KMV_K - 2), "distinct_exact_below": KMV_K},
        **meta)


def _column(part: ColumnPartial) -> ColumnStats:
    distinct, exact = distinct_estimate(part.hashes)
    stats = ColumnStats(type=part.kind, dtype=part.dtype, count=part.count, missing=part.missing,
                        min=part.min, max=part.max, distinct=distinct, distinct_exact=exact)
    if part.kind in (NUMERIC, FLOAT):
        stats.numeric = _numeric(part)
    if part.kind in (STRING, BOOLEAN):
        ranked = sorted(part.top.items(), key=lambda kv: (-kv[1], kv[0]))
        stats.string = StringStats(
            avg_length=part.length_sum / part.count if part.count and part.kind == STRING else None,
            min_length=part.length_min, max_length=part.length_max,
            top_values=[(v, n) for v, n in ranked[:TOP_KEPT]],
            top_values_exact=part.top_error == 0, top_error=part.top_error)
    return stats


def distinct_estimate(hashes: list[int]) -> tuple[int, bool]:
    """Distinct values from the K smallest hashes: exact when fewer than K were seen."""
    if len(hashes) < KMV_K:
        return len(hashes), True
    kth = hashes[KMV_K - 1] / 2**64
    return round((KMV_K - 1) / kth), False


def _numeric(part: ColumnPartial) -> NumericStats:
    finite = part.count - part.nan
    std = math.sqrt(part.m2 / finite) if finite else None
    stats = NumericStats(mean=part.mean if finite else None, std=std, zeros=part.zeros, nan=part.nan)
    if part.kll is None:
        return stats
    import datasketches

    sketch = datasketches.kll_doubles_sketch.deserialize(part.kll)
    stats.rank_error = sketch.normalized_rank_error(False)
    stats.quantiles = {f"p{round(q * 100)}": sketch.get_quantile(q) for q in QUANTILES}
    low, high = sketch.get_min_value(), sketch.get_max_value()  # finite, unlike min/max with ±inf
    stats.histogram = _buckets(sketch, _equal_width(low, high), finite)
    edges = sorted(set([low, *(sketch.get_quantile(i / BUCKETS) for i in range(1, BUCKETS)), high]))
    stats.quantile_histogram = _buckets(sketch, edges, finite)
    return stats


def _equal_width(low: float, high: float) -> list[float]:
    if high <= low:
        return [low, high]
    step = (high - low) / BUCKETS
    return [low + i * step for i in range(BUCKETS)] + [high]


def _buckets(sketch, edges: list[float], n: int) -> list[Bucket]:
    """Counts between consecutive edges (the last bucket includes its upper edge)."""
    if len(edges) < 2 or edges[0] == edges[-1]:
        return [Bucket(low=edges[0], high=edges[-1], count=n)]
    inner = edges[1:-1]
    cdf = [0.0, *(sketch.get_cdf(inner, False)[:-1] if inner else []), 1.0]
    return [Bucket(low=edges[i], high=edges[i + 1], count=round((cdf[i + 1] - cdf[i]) * n, 3))
            for i in range(len(edges) - 1)]

"""Mergeable per-file statistics: what one worker computes over one file, and how two of them merge.

A :class:`TablePartial` is built batch by batch (:meth:`TablePartial.add`) and merged with others
(:meth:`TablePartial.merge`) in any order, with the same result as one pass over all the rows:

- counts, missing, zeros, min/max, string lengths: exact;
- mean and variance: exact up to floating point (Chan et al.'s pairwise update of M2);
- quantiles and histograms: a KLL sketch (Apache DataSketches) with a stated rank error;
- distinct values: the K smallest distinct 64-bit hashes (a KMV / theta sketch): exact below K
  distinct values, relative standard error 1/sqrt(K - 2) above;
- top values: exact counts while a column has at most ``TOP_CAP`` distinct values per batch; above
  that each batch keeps its top ``TOP_CAP`` and the largest count it dropped bounds the error.

Partials are plain dataclasses of numbers, bytes and dicts: they pickle, so Dask workers return them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

KLL_K = 200
KMV_K = 4096
TOP_CAP = 2000
HASH_SEED = 0x0C70
NUMERIC, STRING, BOOLEAN, TEMPORAL, OTHER = "int", "string", "bool", "temporal", "other"
FLOAT = "float"


def kind_of(dtype) -> str:
    """octoup's column type for a polars dtype."""
    if dtype.is_integer():
        return NUMERIC
    if dtype.is_float() or dtype.is_decimal():
        return FLOAT
    if dtype.is_temporal():
        return TEMPORAL
    name = str(dtype)
    if name.startswith(("String", "Utf8", "Categorical", "Enum")):
        return STRING
    if name == "Boolean":
        return BOOLEAN
    return OTHER


@dataclass
class ColumnPartial:
    kind: str
    dtype: str
    count: int = 0
    """Present (non-missing) values."""
    missing: int = 0
    zeros: int = 0
    min: float | str | None = None
    max: float | str | None = None
    mean: float = 0.0
    m2: float = 0.0
    nan: int = 0
    """NaN and infinite values: present, but left out of moments, quantiles and histograms."""
    kll: bytes | None = None
    hashes: list[int] = field(default_factory=list)
    """The KMV_K smallest distinct value hashes, sorted."""
    top: dict[str, int] = field(default_factory=dict)
    top_error: int = 0
    """Largest count a truncated top-values table may have missed for one value."""
    length_sum: int = 0
    length_min: int | None = None
    length_max: int | None = None

    @property
    def numeric(self) -> bool:
        return self.kind in (NUMERIC, FLOAT)

    def merge(self, other: ColumnPartial) -> ColumnPartial:
        if self.kind != other.kind and self.count and other.count:
            raise MixedTypes(self.kind, other.kind)
        typed = self if self.count or not other.count else other  # an all-missing side has no real type
        out = ColumnPartial(typed.kind, typed.dtype)
        out.count, out.missing = self.count + other.count, self.missing + other.missing
        out.zeros, out.nan = self.zeros + other.zeros, self.nan + other.nan
        out.min = _pick(min, self.min, other.min)
        out.max = _pick(max, self.max, other.max)
        out.mean, out.m2 = _merge_moments(self.count - self.nan, self.mean, self.m2,
                                          other.count - other.nan, other.mean, other.m2)
        out.kll = _merge_kll(self.kll, other.kll)
        out.hashes = _merge_hashes(self.hashes, other.hashes)
        out.top, dropped = _merge_top(self.top, other.top)
        out.top_error = self.top_error + other.top_error + dropped
        out.length_sum = self.length_sum + other.length_sum
        out.length_min = _pick(min, self.length_min, other.length_min)
        out.length_max = _pick(max, self.length_max, other.length_max)
        return out


class MixedTypes(Exception):
    def __init__(self, a: str, b: str):
        super().__init__(f"{a} in one part, {b} in another")
        self.kinds = (a, b)


@dataclass
class TablePartial:
    """Statistics of some rows of one table (a file, or several merged)."""

    rows: int = 0
    columns: dict[str, ColumnPartial] = field(default_factory=dict)
    files: dict[str, int] = field(default_factory=dict)
    """Rows per file that went into this partial."""

    def add(self, frame) -> None:
        """Fold a polars DataFrame (one batch of one file) into this partial."""
        batch = batch_partial(frame)
        merged = self.merge(batch, where="")
        self.rows, self.columns = merged.rows, merged.columns

    def merge(self, other: TablePartial, *, where: str) -> TablePartial:
        """Both partials combined; a column's type must agree (``where`` names ``other`` in errors)."""
        out = TablePartial(self.rows + other.rows, {}, {**self.files, **other.files})
        for name in list(self.columns) + [c for c in other.columns if c not in self.columns]:
            mine, theirs = self.columns.get(name), other.columns.get(name)
            if mine is None or theirs is None:
                only = mine or theirs
                absent = other.rows if mine else self.rows
                out.columns[name] = only.merge(ColumnPartial(only.kind, only.dtype, missing=absent))
                continue
            try:
                out.columns[name] = mine.merge(theirs)
            except MixedTypes as exc:
                raise ColumnTypeConflict(name, exc.kinds, where) from None
        return out


class ColumnTypeConflict(Exception):
    def __init__(self, column: str, kinds: tuple[str, str], where: str):
        super().__init__(f"column '{column}' is {kinds[0]} elsewhere but {kinds[1]} in {where}")
        self.column, self.kinds, self.where = column, kinds, where


def batch_partial(frame) -> TablePartial:
    """Statistics of one polars DataFrame, every column at once."""
    import polars as pl

    kinds = {name: kind_of(dtype) for name, dtype in frame.schema.items()}
    frame = frame.with_columns([pl.col(n).cast(pl.String) for n, d in frame.schema.items()
                                if kinds[n] == STRING and str(d) != "String"])
    scalars = frame.select([e for name, kind in kinds.items() for e in _scalar_exprs(pl, name, kind)]).row(0)
    values = iter(scalars)
    out = TablePartial(frame.height)
    for name, kind in kinds.items():
        part = ColumnPartial(kind, str(frame.schema[name]))
        part.count = frame.height - next(values)
        part.missing = frame.height - part.count
        if kind in (NUMERIC, FLOAT, TEMPORAL, STRING, BOOLEAN):
            low, high = next(values), next(values)
            part.min, part.max = _plain(low), _plain(high)
        if kind in (NUMERIC, FLOAT):
            part.zeros, part.nan = next(values), next(values)
            mean, var = next(values), next(values)
            finite = part.count - part.nan
            part.mean = float(mean) if finite and mean is not None and math.isfinite(mean) else 0.0
            part.m2 = float(var) * finite if finite and var is not None and math.isfinite(var) else 0.0
        if kind == STRING:
            part.length_sum, part.length_min, part.length_max = next(values) or 0, next(values), next(values)
        out.columns[name] = part
    _add_sketches(pl, frame, out)
    return out


def _scalar_exprs(pl, name: str, kind: str) -> list:
    col = pl.col(name)
    exprs = [col.null_count()]
    if kind in (NUMERIC, FLOAT):
        finite = col.filter(col.is_finite()) if kind == FLOAT else col
        exprs += [finite.min(), finite.max(), (col == 0).sum(),
                  col.is_finite().not_().sum() if kind == FLOAT else pl.lit(0, pl.UInt32),
                  finite.cast(pl.Float64).mean(), finite.cast(pl.Float64).var(ddof=0)]
    elif kind in (TEMPORAL, STRING, BOOLEAN):
        exprs += [col.min(), col.max()]
    if kind == STRING:
        length = col.str.len_chars()
        exprs += [length.sum(), length.min(), length.max()]
    return [e.alias(f"{name}\x00{i}") for i, e in enumerate(exprs)]


def _add_sketches(pl, frame, out: TablePartial) -> None:
    """Distinct-value hashes and top values for every column in one parallel polars query (plus one
    for low-cardinality columns), then a KLL sketch per numeric column."""
    import datasketches
    import numpy as np

    present = {name: part for name, part in out.columns.items() if part.count}
    threshold = min(2**64 - 1, (2**64 // max(frame.height, 1)) * 4 * KMV_K)
    counted = [name for name, part in present.items() if part.kind in (STRING, BOOLEAN)]
    first = frame.select([_hash_expr(pl, name, part.kind, threshold) for name, part in present.items()]
                         + [_top_expr(pl, name) for name in counted]).row(0, named=True)
    few = [name for name in present if len(first[name]) < KMV_K and threshold < 2**64 - 1]
    if few:  # too few hashes under the cut: these columns have few distinct values, take them all
        first.update(frame.select([_hash_expr(pl, n, present[n].kind, None) for n in few]).row(0, named=True))
    for name, part in present.items():
        part.hashes = sorted(first[name])[:KMV_K]
        if part.numeric:
            series = frame.get_column(name).drop_nulls().cast(pl.Float64)
            values = series.filter(series.is_finite()).to_numpy()
            if len(values):
                sketch = datasketches.kll_doubles_sketch(KLL_K)
                sketch.update(np.require(values, np.float64, ["C", "W"]))
                part.kll = sketch.serialize()
    for name in counted:
        part, top = present[name], first[f"{name}\x00top"]
        if len(top) > TOP_CAP:
            part.top_error = top[TOP_CAP]["n"]
            top = top[:TOP_CAP]
        part.top = {row[name]: row["n"] for row in top}


def _top_expr(pl, name: str):
    """The TOP_CAP + 1 most frequent values with their counts (one more tells what was cut)."""
    counts = pl.col(name).drop_nulls().cast(pl.String).value_counts(sort=True, name="n")
    return counts.head(TOP_CAP + 1).implode().alias(f"{name}\x00top")


def _hash_expr(pl, name: str, kind: str, threshold: int | None):
    col = pl.col(name).drop_nulls()
    if kind == NUMERIC:
        col = col.cast(pl.Int64)
    elif kind == FLOAT:
        col = col.cast(pl.Float64)
    hashed = col.hash(HASH_SEED)
    if threshold is not None:
        hashed = hashed.filter(hashed <= threshold)
    return hashed.unique().bottom_k(KMV_K).implode().alias(name)


def _plain(value):
    """A JSON-friendly min/max: numbers stay numbers, dates and times become ISO strings."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _pick(fn, a, b):
    if a is None:
        return b
    if b is None:
        return a
    return fn(a, b)


def _merge_moments(n_a: int, mean_a: float, m2_a: float, n_b: int, mean_b: float, m2_b: float):
    n = n_a + n_b
    if n == 0:
        return 0.0, 0.0
    delta = mean_b - mean_a
    return mean_a + delta * n_b / n, m2_a + m2_b + delta * delta * n_a * n_b / n


def _merge_kll(a: bytes | None, b: bytes | None) -> bytes | None:
    if a is None or b is None:
        return a or b
    import datasketches

    sketch = datasketches.kll_doubles_sketch.deserialize(a)
    sketch.merge(datasketches.kll_doubles_sketch.deserialize(b))
    return sketch.serialize()


def _merge_hashes(a: list[int], b: list[int]) -> list[int]:
    if not a or not b:
        return a or b
    return sorted(set(a).union(b))[:KMV_K]


def _merge_top(a: dict[str, int], b: dict[str, int]) -> tuple[dict[str, int], int]:
    merged = dict(a)
    for value, n in b.items():
        merged[value] = merged.get(value, 0) + n
    if len(merged) <= TOP_CAP:
        return merged, 0
    ranked = sorted(merged.items(), key=lambda kv: (-kv[1], kv[0]))
    return dict(ranked[:TOP_CAP]), ranked[TOP_CAP][1]

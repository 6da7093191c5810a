"""``octoup data show`` / ``octoup.data.profile``: a facets-overview-like HTML profile of statistics.

A :class:`Profile` is built from one :class:`~octoup.data.stats.DatasetStats`, or two to compare
(sample vs full, or two datasets). Rows, numbers and charts (inline SVG) are rendered on the
Python side, so the profile reads well even where scripts do not run (an untrusted notebook); a
small inline script adds sorting, filtering and the standard/quantile histogram toggle. The page
loads nothing from the network (its Content-Security-Policy forbids it) and every value that comes
from the data is escaped by the template.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from markupsafe import Markup

    from octoup.data.stats.model import Bucket, ColumnStats, DatasetStats, TableStats

NUMERIC, CATEGORICAL, OTHER = "numeric", "categorical", "other"
SECTIONS = {NUMERIC: "Numeric features", CATEGORICAL: "Categorical features", OTHER: "Other features"}
KINDS = {"int": NUMERIC, "float": NUMERIC, "string": CATEGORICAL, "bool": CATEGORICAL}
COLOURS = ("#4e79a7", "#f28e2b")
TOP_SHOWN = 5
CHART_W, CHART_H = 180, 40
MISSING_FLAG = 0.05
ZEROS_FLAG = 0.2


@dataclass(frozen=True)
class Cell:
    text: str
    flag: bool = False


@dataclass(frozen=True)
class Column:
    """One column of a section's table: how to read it from a feature's statistics and show it."""

    key: str
    label: str
    help: str
    value: Callable[[ColumnStats], float | str | None]
    shown: Callable[[ColumnStats, float | str | None], str]
    numeric: bool = True


@dataclass
class Side:
    """One dataset's row of a feature; ``cells`` is ``None`` when the feature is absent there."""

    label: str
    colour: str
    type: str = ""
    cells: list[Cell] | None = None


@dataclass
class TopValue:
    value: str
    shares: list[float | None]
    """Per dataset: the share of present values holding it."""
    counts: list[str]
    widths: list[float] = field(default_factory=list)
    """Per dataset: the bar's length, in percent of the feature's largest share."""


@dataclass
class Feature:
    name: str
    section: str
    sides: list[Side]
    sort: dict[str, float | str | None]
    chart: Markup | str = ""
    quantile_chart: Markup | str = ""
    axis: tuple[str, str] = ("", "")
    top: list[TopValue] = field(default_factory=list)
    more: int = 0
    """Distinct values beyond the top values shown."""
    drift: Cell | None = None

    @property
    def flagged(self) -> bool:
        return any(c.flag for s in self.sides for c in s.cells or ()) or bool(self.drift and self.drift.flag)


@dataclass
class Section:
    key: str
    title: str
    columns: list[Column]
    features: list[Feature] = field(default_factory=list)


@dataclass
class Table:
    name: str
    rows: list[str]
    """Per dataset: its rows and files, or a dash when the table is absent there."""
    sections: list[Section]


# --- formatting ----------------------------------------------------------------------------------

def _number(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _percent(value) -> str:
    return "" if value is None else f"{100 * value:.1f}%"


def _approx(exact: bool) -> str:
    return "" if exact else "~"


def _missing(s: ColumnStats) -> float | None:
    total = s.count + s.missing
    return s.missing / total if total else None


def _zeros(s: ColumnStats) -> float | None:
    return s.numeric.zeros / s.count if s.numeric and s.count else None


def _top(s: ColumnStats, i: int):
    return s.string.top_values[0][i] if s.string and s.string.top_values else None


def _numeric(get):
    return lambda s: get(s.numeric) if s.numeric else None


def columns(section: str) -> list[Column]:
    """The columns of a section's table, after the feature's name and type."""
    def plain(s, v):
        return _number(v)

    count = Column("count", "count", "values present", lambda s: s.count, plain)
    missing = Column("missing", "missing", "share of rows without a value", _missing,
                     lambda s, v: _percent(v))
    distinct = Column("distinct", "distinct", "distinct values (~: estimated by a sketch)",
                      lambda s: s.distinct, lambda s, v: _approx(s.distinct_exact) + _number(v))
    ordered = section == NUMERIC  # min/max of strings and dates sort as text
    low = Column("min", "min", "smallest value", lambda s: s.min, plain, ordered)
    high = Column("max", "max", "largest value", lambda s: s.max, plain, ordered)
    if section == NUMERIC:
        return [count, missing,
                Column("mean", "mean", "average", _numeric(lambda n: n.mean), plain),
                Column("std", "std dev", "standard deviation", _numeric(lambda n: n.std), plain),
                Column("zeros", "zeros", "share of values equal to 0", _zeros, lambda s, v: _percent(v)),
                low,
                Column("median", "median", "50th percentile (from a sketch: within its rank error)",
                       _numeric(lambda n: n.quantiles.get("p50")), plain),
                high, distinct]
    if section == CATEGORICAL:
        return [count, missing, distinct,
                Column("top", "top", "most frequent value", lambda s: _top(s, 0),
                       lambda s, v: "" if v is None else str(v) or '""', numeric=False),
                Column("freq", "freq top", "rows holding the top value (~: may be low by a bounded error)",
                       lambda s: _top(s, 1),
                       lambda s, v: (_approx(s.string.top_values_exact) if s.string else "") + _number(v)),
                Column("length", "avg length", "average string length",
                       lambda s: s.string.avg_length if s.string else None, plain)]
    return [count, missing, distinct, low, high]


# --- charts --------------------------------------------------------------------------------------

def histogram_svg(histograms: list[list[Bucket] | None], colours: tuple[str, ...] = COLOURS) -> Markup | str:
    """Inline SVG of one or two histograms on a shared value axis. Bars are drawn as density (share
    of values per unit of width), so datasets of different sizes and buckets of different widths
    compare; a bucket of zero width (a single value) is drawn as a thin full bar."""
    from markupsafe import Markup, escape

    drawn = [(h, c) for h, c in zip(histograms, colours, strict=False) if h]
    if not drawn:
        return ""
    low = min(h[0].low for h, _ in drawn)
    high = max(h[-1].high for h, _ in drawn)
    span = high - low
    bars = []
    for h, colour in drawn:
        total = sum(b.count for b in h) or 1.0
        for b in h:
            width = (b.high - b.low) / span if span else 1.0
            bars.append((b, colour, b.count / total, b.count / total / width if width else None))
    densest = max((d for *_, d in bars if d), default=1.0) or 1.0
    shapes = []
    for b, colour, share, density in bars:
        x = (b.low - low) / span * CHART_W if span else 0.0
        w = max((b.high - b.low) / span * CHART_W if span else CHART_W, 1.5)
        h = CHART_H * (density / densest if density is not None else (1.0 if share else 0.0))
        tip = f"{_number(b.low)} – {_number(b.high)}: {_number(round(b.count))} ({_percent(share)})"
        shapes.append(f'<rect x="{min(x, CHART_W - w):.2f}" y="{CHART_H - h:.2f}" width="{w:.2f}" '
                      f'height="{h:.2f}" fill="{colour}" fill-opacity="{0.55 if len(drawn) > 1 else 0.85}">'
                      f"<title>{escape(tip)}</title></rect>")
    return Markup(f'<svg class="hist" viewBox="0 0 {CHART_W} {CHART_H}" width="{CHART_W}" height="{CHART_H}" '
                  f'role="img" aria-label="histogram">'
                  f'<line x1="0" y1="{CHART_H - 0.5}" x2="{CHART_W}" y2="{CHART_H - 0.5}" class="base"/>'
                  + "".join(shapes) + "</svg>")


def top_values(stats: list[ColumnStats | None]) -> tuple[list[TopValue], int]:
    """The most frequent values (first dataset's order, then the other's), with each dataset's share
    of present values, and how many distinct values are not shown."""
    order: list[str] = []
    for s in stats:
        for value, _ in (s.string.top_values if s and s.string else []):
            if value not in order:
                order.append(value)
    shown = order[:TOP_SHOWN]
    rows = []
    for value in shown:
        shares, counts = [], []
        for s in stats:
            string = s.string if s else None
            found = dict(string.top_values).get(value) if string else None
            known = string is not None and (found is not None or string.top_values_exact)
            shares.append((found or 0) / s.count if known and s.count else None)
            counts.append(_number(found or 0) if known else "?")
        rows.append(TopValue(value, shares, counts))
    largest = max((x for r in rows for x in r.shares if x), default=1.0)
    for r in rows:
        r.widths = [round(100 * (x or 0) / largest, 1) for x in r.shares]
    more = max((s.distinct or 0) for s in stats if s) - len(shown)
    return rows, max(more, 0)


# --- comparison ----------------------------------------------------------------------------------

def _cdf(s: ColumnStats) -> tuple[list[float], list[float], list[float]]:
    """A feature's distribution function from everything stored about it. Returns the distinct
    values where something is known and, at each, the share of values below it and at or below it:
    histogram edges give the share below (buckets are half-open, the last one closed), quantiles the
    share at or below, min and max bound it; sketches may disagree a little, so it is kept monotone."""
    n = s.numeric
    below: dict[float, float] = {float(s.min): 0.0}
    upto: dict[float, list[float]] = {float(s.max): [1.0]}
    for k, v in n.quantiles.items():
        upto.setdefault(v, []).append(int(k[1:]) / 100)
    for h in (n.histogram, n.quantile_histogram):
        total, seen = sum(b.count for b in h) or 1.0, 0.0
        for b in h[:-1]:
            seen += b.count
            below[b.high] = max(below.get(b.high, 0.0), seen / total)
    xs = sorted({*below, *upto})
    lows: list[float] = []
    highs: list[float] = []
    for x in xs:
        shares = upto.get(x, [])
        low = below.get(x, min(shares) if shares else 0.0)
        low = max(low, highs[-1] if highs else 0.0)
        lows.append(low)
        highs.append(max([low, *shares]))
    return xs, lows, highs


def _at(cdf: tuple[list[float], list[float], list[float]], x: float) -> tuple[float, float]:
    """The share of values below ``x`` and at or below it (linear between the known points)."""
    xs, below, upto = cdf
    i = bisect.bisect_left(xs, x)
    if i < len(xs) and xs[i] == x:
        return below[i], upto[i]
    if i == 0 or i == len(xs):
        return (0.0, 0.0) if i == 0 else (1.0, 1.0)
    share = upto[i - 1] + (below[i] - upto[i - 1]) * (x - xs[i - 1]) / (xs[i] - xs[i - 1])
    return share, share


def _shares(cdf, points: list[float]) -> list[float]:
    """The shares between each two of ``points`` (half-open, like the stored buckets), and at or
    above the last."""
    below = [_at(cdf, x)[0] for x in points]
    return [*(max(b - a, 0.0) for a, b in itertools.pairwise([0.0, *below])), max(1.0 - below[-1], 0.0)]


def drift(a: ColumnStats, b: ColumnStats) -> tuple[str, float] | None:
    """How far two features' distributions are apart (``a`` is the baseline): Jensen-Shannon
    divergence of numeric distributions over the baseline's quantile buckets, L-infinity distance of
    categorical shares (the measures ``data validate`` uses for drift)."""
    from octoup.data.validate import jensen_shannon, linf

    if a.numeric and b.numeric and a.numeric.histogram and b.numeric.histogram:
        # the first dataset's equal-mass buckets are the bins (few, so small samples do not look
        # drifted by chance); both distribution functions are read at their edges
        points = sorted({float(v) for v in (a.min, a.max, b.min, b.max)}
                        | {bucket.low for bucket in a.numeric.quantile_histogram})
        return "JS", jensen_shannon(_shares(_cdf(a), points), _shares(_cdf(b), points))
    if a.string and b.string and a.string.top_values and b.string.top_values:
        return "L∞", linf(dict(a.string.top_values), dict(b.string.top_values))[0]
    return None


def _pair(a: dict[str, TableStats], b: dict[str, TableStats] | None) -> list[tuple[str, list]]:
    """Tables matched by name; when exactly one table of each side is left, those two are paired."""
    if b is None:
        return [(name, [t]) for name, t in a.items()]
    pairs = [(name, [t, b.get(name)]) for name, t in a.items()]
    pairs += [(name, [None, t]) for name, t in b.items() if name not in a]
    alone_a = [i for i, (_, ts) in enumerate(pairs) if ts[1] is None]
    alone_b = [i for i, (_, ts) in enumerate(pairs) if ts[0] is None]
    if len(alone_a) == 1 and len(alone_b) == 1:
        (na, ta), (nb, tb) = pairs[alone_a[0]], pairs[alone_b[0]]
        pairs[alone_a[0]] = (f"{na} ↔ {nb}", [ta[0], tb[1]])
        del pairs[alone_b[0]]
    return pairs


# --- the profile ---------------------------------------------------------------------------------

class Profile:
    """A dataset's statistics as a browsable profile: ``to_html()``, ``write(path)``, and
    ``_repr_html_()`` for Jupyter."""

    def __init__(self, stats: DatasetStats, other: DatasetStats | None = None, *,
                 labels: tuple[str, ...] | None = None,
                 missing_flag: float = MISSING_FLAG, zeros_flag: float = ZEROS_FLAG):
        self.stats = [stats] if other is None else [stats, other]
        self.labels = labels or _labels(self.stats)
        self.notes = [f"{label}: skipped {why}" for s, label in zip(self.stats, self.labels, strict=True)
                      for why in s.skipped.values()]
        self.missing_flag = missing_flag
        self.zeros_flag = zeros_flag
        self.tables = [self._table(name, ts)
                       for name, ts in _pair(stats.tables, other.tables if other else None)]

    @property
    def comparing(self) -> bool:
        return len(self.stats) > 1

    @property
    def features(self) -> list[Feature]:
        return [f for t in self.tables for s in t.sections for f in s.features]

    def _flag(self, key: str, value) -> bool:
        limit = {"missing": self.missing_flag, "zeros": self.zeros_flag}.get(key)
        return limit is not None and value is not None and value > limit

    def _table(self, name: str, tables: list[TableStats | None]) -> Table:
        names = list(dict.fromkeys(c for t in tables if t for c in t.columns))
        sections = {key: Section(key, title, columns(key)) for key, title in SECTIONS.items()}
        for column in names:
            found = [t.columns.get(column) if t else None for t in tables]
            first = next(s for s in found if s)
            section = sections[KINDS.get(first.type, OTHER)]
            section.features.append(self._feature(column, section, found))
        rows = [f"{t.rows:,} rows · {len(t.files)} file{'s' * (len(t.files) != 1)}" if t else "–"
                for t in tables]
        return Table(name, rows, [s for s in sections.values() if s.features])

    def _feature(self, name: str, section: Section, found: list[ColumnStats | None]) -> Feature:
        from octoup.data.schema import JS_THRESHOLD, LINF_THRESHOLD

        sides = []
        for s, label, colour in zip(found, self.labels, COLOURS, strict=False):
            side = Side(label, colour)
            if s is not None:
                side.type = s.type
                side.cells = [Cell(c.shown(s, v := c.value(s)), self._flag(c.key, v))
                              for c in section.columns]
            sides.append(side)
        first = next(s for s in found if s)
        sort = {"name": name, "type": first.type} | {c.key: c.value(first) for c in section.columns}
        feature = Feature(name, section.key, sides, sort)
        if section.key == NUMERIC:
            standard = [s.numeric.histogram if s and s.numeric else None for s in found]
            quantile = [s.numeric.quantile_histogram if s and s.numeric else None for s in found]
            feature.chart, feature.quantile_chart = histogram_svg(standard), histogram_svg(quantile)
            edges = [b for h in standard if h for b in (h[0].low, h[-1].high)]
            feature.axis = (_number(min(edges)), _number(max(edges))) if edges else ("", "")
        elif section.key == CATEGORICAL:
            feature.top, feature.more = top_values(found)
        if self.comparing and all(found) and (measured := drift(found[0], found[1])):
            kind, distance = measured
            limit = JS_THRESHOLD if kind == "JS" else LINF_THRESHOLD
            feature.drift = Cell(f"{kind} {distance:.3f}", distance > limit)
            sort["drift"] = distance
        return feature

    # --- rendering -------------------------------------------------------------------------------

    def _render(self, template: str, uid: str) -> str:
        import jinja2

        from octoup.resources import templates_dir

        env = jinja2.Environment(loader=jinja2.FileSystemLoader(templates_dir() / "profile"), autoescape=True,
                                 undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
        return env.get_template(template).render(profile=self, uid=uid, datasets=self._datasets(),
                                                 colours=COLOURS)

    def _datasets(self) -> list[dict]:
        return [{"label": label, "colour": colour, "name": s.dataset, "sample": s.sample,
                 "rows": s.rows, "tables": len(s.tables), "computed": s.computed, "engine": s.engine}
                for s, label, colour in zip(self.stats, self.labels, COLOURS, strict=False)]

    def to_html(self) -> str:
        """One self-contained page: inline CSS, script and SVG, nothing fetched."""
        return self._render("page.html.j2", "octoup-profile")

    def _repr_html_(self) -> str:
        """The same profile as a fragment for a notebook's output: styles scoped to it, a unique id."""
        import uuid

        return self._render("fragment.html.j2", f"octoup-profile-{uuid.uuid4().hex[:12]}")

    def write(self, path: str | Path) -> Path:
        """Write the page to ``path`` (atomically) and return it."""
        from octoup.textfiles import write_atomic

        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, self.to_html())
        return path

    def summary(self) -> dict:
        """The profile in brief, for ``--json``: datasets, and per feature its section and drift."""
        return {"datasets": self._datasets(),
                "features": [{"table": t.name, "feature": f.name, "section": f.section, "flagged": f.flagged,
                              "drift": f.sort.get("drift")}
                             for t in self.tables for s in t.sections for f in s.features],
                "notes": self.notes}


def _labels(stats: list[DatasetStats]) -> tuple[str, ...]:
    if len(stats) == 2 and stats[0].dataset == stats[1].dataset and stats[0].sample != stats[1].sample:
        return tuple("sample" if s.sample else "full" for s in stats)
    return tuple(f"{s.dataset} (sample)" if s.sample else s.dataset for s in stats)


def profile(name: str, *, sample: bool = False, compare: str | None = None,
            root: Path | None = None) -> Profile:
    """The profile of dataset ``name`` from its stored statistics (``octoup data stats``).

    ``sample=True`` profiles its sample; ``compare="sample"`` puts the sample beside the full data,
    ``compare="OTHER"`` another dataset (its sample too when ``sample=True``). In Jupyter the returned
    object renders as a widget; ``.write(path)`` saves the page.
    """
    from octoup.data.manifest import check_name
    from octoup.data.stats import load
    from octoup.errors import OctoupError
    from octoup.project_root import find_root

    root = root or find_root()
    if root is None:
        raise OctoupError("not inside an octoup project (no octoup.toml here or above)",
                          "Run it from the project folder, or pass root=.")
    for dataset in (name, compare):
        if dataset is not None:
            check_name(dataset)
    if compare == "sample" and sample:
        raise OctoupError(f"--sample with --compare sample would compare the sample of '{name}' with itself",
                          "Drop --sample to put the sample beside the full data.")
    if compare == name:
        raise OctoupError(f"'{name}' compared with itself",
                          "Use --compare sample, or another dataset's name.")
    stats = load(root, name, sample=sample)
    other = None
    if compare == "sample":
        other = load(root, name, sample=True)
    elif compare:
        other = load(root, compare, sample=sample)
    return Profile(stats, other)

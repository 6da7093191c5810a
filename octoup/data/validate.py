"""``octoup data validate``: check data against the schema, TFDV-style.

New data is summarised with the same partials as ``data stats`` (never loaded whole), then compared
with the schema's rules and, for drift, with the stored statistics (``stats.json``): the L-infinity
distance between categorical shares and the Jensen-Shannon divergence between numeric histograms
(over the stored histogram's buckets plus one below and one above).
"""

from __future__ import annotations

import math
import posixpath
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from octoup.data import manifest as mf
from octoup.data import meta
from octoup.data import schema as sc
from octoup.data.stats import engine
from octoup.data.stats.model import ColumnStats, DatasetStats, TableStats, finish
from octoup.data.stats.partial import ColumnPartial, TablePartial
from octoup.errors import OctoupError

if TYPE_CHECKING:
    from octoup.config import Project

MISSING_COLUMN = "missing_column"
UNEXPECTED_COLUMN = "unexpected_column"
MISSING_TABLE = "missing_table"
UNEXPECTED_TABLE = "unexpected_table"
TYPE_MISMATCH = "type_mismatch"
OUT_OF_DOMAIN = "out_of_domain"
OUT_OF_RANGE = "out_of_range"
LOW_PRESENCE = "low_presence"
STRING_LENGTH = "string_length"
DRIFT = "drift"
SHOWN_VALUES = 5


@dataclass
class Anomaly:
    table: str
    column: str
    kind: str
    detail: str


@dataclass
class Report:
    dataset: str
    checked: str
    """What was checked: the dataset's files, or a path."""
    rows: int
    anomalies: list[Anomaly] = field(default_factory=list)
    accepted: bool = False
    """With ``--new-version``: no anomalies, so the new statistics replaced the old."""


def validate(project: Project, name: str, target: Path | None = None, *, new_version: bool = False,
             request: engine.StatsRequest | None = None) -> Report:
    schema = sc.load(project.root, name)
    request = request or engine.StatsRequest(name)
    baseline = _baseline(project.root, name)
    if target is not None:
        tasks, checked = engine.local_tasks(target, request), str(target)
    else:
        manifest, tasks = engine.tasks_for(project, request)
        checked = f"{name} ({manifest.uri})"
    measured = engine.measure(tasks, request)
    report = Report(name, checked, sum(t.rows for t in measured.tables.values()))
    for problem in measured.skipped.values():
        report.anomalies.append(Anomaly("", "", "unreadable_file", problem))
    pairs = _pair(schema.tables, measured.tables)
    found = finish(name, {t: p for t, (_, p) in pairs.items()}, computed=mf.now(), engine=request.engine,
                   manifest_updated=manifest.updated if target is None else "")
    for table in schema.tables if target is None else ():  # files given: only their tables are checked
        if table not in pairs:
            report.anomalies.append(Anomaly(table, "", MISSING_TABLE, "no table with these columns found"))
    for table, (found_name, partial) in sorted(pairs.items()):
        spec = schema.tables.get(table)
        if spec is None:
            columns = ", ".join(list(partial.columns)[:8])
            report.anomalies.append(Anomaly(found_name, "", UNEXPECTED_TABLE,
                                            f"not in the schema (columns: {columns})"))
            continue
        base = baseline.tables.get(table) if baseline else None
        report.anomalies += check_table(table, spec, found.tables[table], partial, base)
    if new_version and target is None and not report.anomalies:
        meta.store(project, manifest, {engine.stats_path(project.root, name, False).name: found.to_json()})
        report.accepted = True
    return report


def _baseline(root: Path, name: str) -> DatasetStats | None:
    try:
        return engine.load(root, name)
    except OctoupError:
        return None


def _pair(expected: dict[str, sc.TableSchema],
          found: dict[str, TablePartial]) -> dict[str, tuple[str, TablePartial]]:
    """Match found tables to schema tables: same name, else same file name, else same columns, else
    the only one to the only one. Unmatched found tables keep their own name."""
    pairs: dict[str, tuple[str, TablePartial]] = {}
    left = dict(found)
    rules = (lambda t, f, p: t == f,
             lambda t, f, p: posixpath.basename(t) == posixpath.basename(f),
             lambda t, f, p: set(expected[t].columns) == set(p.columns))
    for rule in rules:
        for table in expected:
            if table in pairs:
                continue
            match = next((f for f, p in left.items() if rule(table, f, p)), None)
            if match is not None:
                pairs[table] = (match, left.pop(match))
    unpaired = [t for t in expected if t not in pairs]
    if len(unpaired) == 1 and len(left) == 1:
        found_name, partial = left.popitem()
        pairs[unpaired[0]] = (found_name, partial)
    for found_name, partial in left.items():
        pairs[found_name] = (found_name, partial)
    return pairs


def check_table(table: str, spec: sc.TableSchema, found: TableStats, partial: TablePartial,
                base: TableStats | None) -> list[Anomaly]:
    """Anomalies of one table: ``found`` is its finished statistics, ``partial`` keeps the sketches."""
    anomalies = []
    for column, rule in spec.columns.items():
        if column not in found.columns:
            if rule.required or rule.min_presence > 0:
                anomalies.append(Anomaly(table, column, MISSING_COLUMN, "required, not in the data"))
            continue
        anomalies += [Anomaly(table, column, kind, detail) for kind, detail in
                      check_column(rule, found.columns[column], partial.columns[column],
                                   base.columns.get(column) if base else None)]
    for column in found.columns:
        if column not in spec.columns:
            anomalies.append(Anomaly(table, column, UNEXPECTED_COLUMN, "in the data, not in the schema"))
    return anomalies


def check_column(rule: sc.ColumnSchema, found: ColumnStats, partial: ColumnPartial,
                 base: ColumnStats | None) -> list[tuple[str, str]]:
    out = []
    if not _type_fits(rule.type, found):
        out.append((TYPE_MISMATCH, f"{found.type} values where the schema says {rule.type}"))
        return out
    presence = found.presence
    if rule.required and found.missing:
        out.append((LOW_PRESENCE, f"{found.missing:,} missing value(s) in a required column"))
    elif presence < rule.min_presence:
        out.append((LOW_PRESENCE, f"present in {presence:.1%} of rows, the schema asks for at least "
                                  f"{rule.min_presence:.0%}"))
    if rule.domain is not None and found.string:
        allowed = set(rule.domain)
        outside = [(v, n) for v, n in found.string.top_values if v not in allowed]
        if outside:
            shown = ", ".join(f"{v!r} ({n:,})" for v, n in outside[:SHOWN_VALUES])
            more = "" if found.string.top_values_exact and len(outside) <= SHOWN_VALUES else ", …"
            out.append((OUT_OF_DOMAIN, f"values outside the domain: {shown}{more}"))
    if rule.range is not None and found.numeric:
        low, high = rule.range.min, rule.range.max
        if (low is not None and found.min is not None and found.min < low) or \
                (high is not None and found.max is not None and found.max > high):
            out.append((OUT_OF_RANGE, f"values from {_num(found.min)} to {_num(found.max)}, the schema "
                                      f"allows {_num(low)} to {_num(high)}"))
    if found.string and found.type == "string" and (
            (rule.min_length is not None and (found.string.min_length or 0) < rule.min_length)
            or (rule.max_length is not None and (found.string.max_length or 0) > rule.max_length)):
        out.append((STRING_LENGTH, f"lengths {found.string.min_length} to {found.string.max_length}, the "
                                   f"schema allows {rule.min_length} to {rule.max_length}"))
    if rule.drift and base is not None:
        out += _drift(rule.drift, found, partial, base)
    return out


def _num(value) -> str:
    return f"{value:.6g}" if isinstance(value, float) else str(value)


def _type_fits(expected: str, found: ColumnStats) -> bool:
    if found.count == 0:
        return True  # nothing present: presence rules speak for it
    return found.type == expected or (expected == "float" and found.type == "int")


def _drift(rule: sc.Drift, found: ColumnStats, partial: ColumnPartial,
           base: ColumnStats) -> list[tuple[str, str]]:
    out = []
    if rule.linf is not None and found.string and base.string:
        distance, value = linf(dict(base.string.top_values), dict(found.string.top_values))
        if distance > rule.linf:
            out.append((DRIFT, f"L-infinity distance {distance:.3f} > {rule.linf} "
                               f"(largest change: {value!r})"))
    if rule.js is not None and partial.kll and base.numeric and base.numeric.histogram:
        divergence = js_divergence(base.numeric.histogram, partial)
        if divergence > rule.js:
            out.append((DRIFT, f"Jensen-Shannon divergence {divergence:.3f} > {rule.js}"))
    return out


def linf(before: dict[str, int], after: dict[str, int]) -> tuple[float, str]:
    """The largest change of any value's share, and that value."""
    total_a, total_b = sum(before.values()) or 1, sum(after.values()) or 1
    changes = {v: abs(before.get(v, 0) / total_a - after.get(v, 0) / total_b)
               for v in set(before) | set(after)}
    value = max(changes, key=lambda v: (changes[v], v))
    return changes[value], value


def js_divergence(histogram, partial: ColumnPartial) -> float:
    """JS divergence (base 2, in [0, 1]) between the stored histogram and the new values, over the stored
    buckets plus one below and one above them (the last bucket includes its upper edge)."""
    import datasketches

    sketch = datasketches.kll_doubles_sketch.deserialize(partial.kll)
    edges = [histogram[0].low, *(b.high for b in histogram)]
    top = sketch.get_cdf([edges[-1]], True)[0]
    if edges[0] == edges[-1]:  # one value seen before: below it, at it, above it
        below = sketch.get_cdf([edges[0]], False)[0]
        base, new = [0.0, 1.0, 0.0], [below, top - below, 1.0 - top]
    else:
        lt = sketch.get_cdf(edges, False)[:-1]
        new = [lt[0], *(lt[i + 1] - lt[i] for i in range(len(edges) - 2)), top - lt[-2], 1.0 - top]
        base = [0.0, *(b.count for b in histogram), 0.0]
    total = sum(base) or 1.0
    return jensen_shannon([b / total for b in base], [max(0.0, n) for n in new])


def jensen_shannon(p: list[float], q: list[float]) -> float:
    """Jensen-Shannon divergence of two distributions over the same buckets, base 2: 0 same, 1 disjoint."""
    def kl(a, b):
        return sum(x * math.log2(x / y) for x, y in zip(a, b, strict=True) if x > 0)

    m = [(x + y) / 2 for x, y in zip(p, q, strict=True)]
    return max(0.0, min(1.0, (kl(p, m) + kl(q, m)) / 2))

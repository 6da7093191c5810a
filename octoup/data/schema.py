"""A dataset's schema: types, presence, domains, ranges and drift thresholds, inferred from its
statistics (like TFDV's SchemaGen), kept as readable YAML in ``data/.octoup/<name>/schema.yaml``
that people edit, and exportable as pandera schemas.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from octoup.data import manifest as mf
from octoup.data.stats.model import ColumnStats, DatasetStats
from octoup.errors import ConfigError, OctoupError

FORMAT = 1
DOMAIN_MAX = 50
"""A string column with at most this many distinct values (all seen exactly) gets a domain."""
FLOAT_MARGIN = 0.1
LINF_THRESHOLD = 0.1
JS_THRESHOLD = 0.1
HEADER = ("# octoup schema for dataset '{name}', inferred from its statistics on {when}.\n"
          "# Edit it freely: `octoup data validate {name}` checks data against it.\n"
          "# drift: linf = L-infinity distance of categorical shares, js = Jensen-Shannon divergence of\n"
          "# numeric histograms (0 = same, 1 = disjoint), both against stats.json.\n")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Range(_Model):
    min: int | float | None = None
    max: int | float | None = None


class Drift(_Model):
    linf: float | None = Field(None, ge=0, le=1)
    js: float | None = Field(None, ge=0, le=1)


class ColumnSchema(_Model):
    type: Literal["int", "float", "string", "bool", "temporal", "other"]
    required: bool = False
    """Present in every row."""
    min_presence: float = Field(0.0, ge=0, le=1)
    domain: list[str] | None = None
    range: Range | None = None
    min_length: int | None = None
    max_length: int | None = None
    drift: Drift | None = None


class TableSchema(_Model):
    columns: dict[str, ColumnSchema]


class Schema(_Model):
    format: int = FORMAT
    dataset: str
    tables: dict[str, TableSchema]


def schema_path(root: Path, name: str) -> Path:
    return mf.folder(root, name) / "schema.yaml"


def infer(stats: DatasetStats) -> Schema:
    """The schema the statistics suggest: what is always there is required, small string vocabularies
    become domains, observed min/max become ranges, every column gets a drift threshold."""
    return Schema(dataset=stats.dataset, tables={
        name: TableSchema(columns={col: _column(s) for col, s in table.columns.items()})
        for name, table in stats.tables.items()})


def _column(stats: ColumnStats) -> ColumnSchema:
    presence = stats.presence
    column = ColumnSchema(type=stats.type, required=stats.missing == 0,
                          min_presence=1.0 if stats.missing == 0 else math.floor(presence * 10) / 10)
    text = stats.string
    if text and stats.distinct_exact and text.top_values_exact and 0 < (stats.distinct or 0) <= DOMAIN_MAX \
            and len(text.top_values) == stats.distinct:
        column.domain = sorted(v for v, _ in text.top_values)
        column.drift = Drift(linf=LINF_THRESHOLD)
    if stats.type == "string":
        column.min_length, column.max_length = text.min_length, text.max_length
    if stats.numeric and stats.min is not None:
        column.range = _range(stats)
        column.drift = Drift(js=JS_THRESHOLD)
    return column


def _range(stats: ColumnStats) -> Range:
    """Integers: the values seen. Floats: widened by FLOAT_MARGIN of the span each side (a new sample of
    a continuous variable reaches a little further), but never below zero when nothing was negative."""
    if stats.type == "int":
        return Range(min=stats.min, max=stats.max)
    margin = (stats.max - stats.min) * FLOAT_MARGIN
    low = stats.min - margin
    return Range(min=round(max(low, 0.0) if stats.min >= 0 else low, 6), max=round(stats.max + margin, 6))


def dump(schema: Schema, when: str) -> str:
    """Readable YAML: keys in a fixed order, unset rules left out, a header saying what it is."""
    import yaml

    data = schema.model_dump(exclude_none=True, exclude_defaults=False)
    for table in data["tables"].values():
        for column in table["columns"].values():
            if column.get("min_presence") == 0.0 or column.get("required"):
                del column["min_presence"]  # nothing to say, or said by required
    body = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100, default_flow_style=None)
    return HEADER.format(name=schema.dataset, when=when) + body


def load(root: Path, name: str) -> Schema:
    """Read ``schema.yaml``; a hand-edit gone wrong names the line and the rule."""
    from octoup.textfiles import compose_yaml, yaml_value

    path = schema_path(root, name)
    shown = str(path.relative_to(root))
    if not path.is_file():
        mf.load_dataset(root, name)
        raise OctoupError(f"no schema for '{name}' yet", f"Infer one with `octoup data schema {name}`.")
    node = compose_yaml(path, shown)
    data = yaml_value(node)
    if not isinstance(data, dict):
        raise ConfigError(shown, "not an octoup schema (expected a mapping with 'tables')", line=1,
                          hint=f"Infer it again with `octoup data schema {name} --force`.")
    try:
        return Schema.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = [str(p) for p in first["loc"]]
        raise ConfigError(shown, f"{'.'.join(where)}: {first['msg']}", line=_line_of(node, where),
                          hint="Fix that rule (see docs/data.md, \"Statistics, schema, validation\"), or "
                               f"infer the schema again with `octoup data schema {name} --force`.") from None


def _line_of(node, keys: list[str]) -> int:
    """The line of the deepest key of ``keys`` found in a composed YAML mapping tree."""
    import yaml

    line = node.start_mark.line + 1
    for key in keys:
        if not isinstance(node, yaml.MappingNode):
            break
        match = next(((k, v) for k, v in node.value if k.value == key), None)
        if match is None:
            break
        line, node = match[0].start_mark.line + 1, match[1]
    return line


def to_pandera(schema: Schema) -> dict[str, str]:
    """One pandera DataFrameSchema (as pandera's own YAML) per table."""
    pa = _pandera()
    out = {}
    for table, spec in schema.tables.items():
        columns = {name: pa.Column(_PANDERA_TYPES.get(col.type), nullable=not col.required,
                                   required=col.required or col.min_presence > 0, checks=_checks(pa, col),
                                   coerce=col.type == "int")  # ints with gaps arrive as floats
                   for name, col in spec.columns.items()}
        out[table] = pa.DataFrameSchema(columns, name=f"{schema.dataset}:{table}", strict=False).to_yaml()
    return out


_PANDERA_TYPES = {"int": "Int64", "float": "float64", "string": "str", "bool": "bool", "temporal": None,
                  "other": None}


def _checks(pa, col: ColumnSchema) -> list:
    checks = []
    if col.domain is not None:
        checks.append(pa.Check.isin(col.domain))
    if col.range is not None and col.range.min is not None and col.range.max is not None:
        checks.append(pa.Check.in_range(col.range.min, col.range.max))
    if col.min_length is not None or col.max_length is not None:
        checks.append(pa.Check.str_length(col.min_length, col.max_length))
    return checks


def _pandera():
    from octoup.adaptors import optional_import

    optional_import("pandera", "pandera", "pandera")
    import pandera.pandas as pa

    return pa


def pandera_file(table: str) -> str:
    """A file name for a table's pandera schema: ``pandera/<table>.yaml`` with path characters tamed."""
    return "pandera/" + re.sub(r"[^A-Za-z0-9._-]+", "_", table).strip("_") + ".yaml"

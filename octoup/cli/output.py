"""How commands talk to people and to scripts: rich on a terminal, plain text otherwise, JSON on ask."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict, is_dataclass
from datetime import datetime
from enum import Enum
from functools import cache
from pathlib import Path
from typing import Any

from octoup.secrets import redact


@cache
def console():
    from rich.console import Console

    if sys.stdout.isatty():
        return Console(highlight=False)
    # not a terminal: never wrap, so every row stays on one line for grep and friends
    return Console(highlight=False, soft_wrap=True, width=4096)


def say(message: str) -> None:
    """A progress or status line for people (stderr, so stdout stays data); plain text, no rich import."""
    sys.stderr.write(redact(message) + "\n")
    sys.stderr.flush()


def _default(value: Any) -> Any:
    if is_dataclass(value):
        return asdict(value)  # type: ignore[arg-type]
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (Path, set, frozenset)):
        return str(value) if isinstance(value, Path) else sorted(value)
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if hasattr(value, "items"):
        return dict(value.items())
    raise TypeError(f"cannot serialise {type(value).__name__}")


def emit_json(data: Any) -> None:
    sys.stdout.write(redact(json.dumps(data, default=_default, indent=2, ensure_ascii=False)) + "\n")


def table(title: str | None, columns: list[str], rows: list[list[Any]]) -> None:
    from rich.table import Table
    from rich.text import Text

    t = Table(title=title, box=None, show_edge=False,
              header_style="bold")
    for column in columns:
        t.add_column(column)
    for row in rows:
        t.add_row(*[Text(redact("" if v is None else str(v))) for v in row])
    if sys.stdout.isatty():
        console().print(t)
        return
    with console().capture() as captured:
        console().print(t)
    sys.stdout.write("".join(line.rstrip() + "\n" for line in captured.get().splitlines()))

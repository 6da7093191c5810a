"""Read TOML, JSON and YAML files (syntax errors become ``file:line`` errors with a hint); write
files atomically."""

from __future__ import annotations

import json
import os
import re
import threading
import tomllib
from pathlib import Path
from typing import Any

from octoup.errors import ConfigError


def read_text(path: Path, shown: str | None = None) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ConfigError(shown or str(path), "is not UTF-8 text", hint="Save the file as UTF-8.") from None


def read_toml(path: Path, shown: str | None = None) -> dict[str, Any]:
    try:
        return tomllib.loads(read_text(path, shown))
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"line (\d+)", str(exc))
        raise ConfigError(shown or str(path), f"not valid TOML ({exc})",
                          line=int(match.group(1)) if match else None,
                          hint="Fix the syntax at that line; see https://toml.io.") from None


def read_json(path: Path, shown: str | None = None) -> Any:
    try:
        return json.loads(read_text(path, shown))
    except json.JSONDecodeError as exc:
        raise ConfigError(shown or str(path), f"not valid JSON ({exc.msg})", line=exc.lineno,
                          hint="Fix the syntax at that line, or regenerate the file.") from None


def compose_yaml(path: Path, shown: str | None = None):
    """The YAML node tree of ``path`` (nodes carry line numbers: ``node.start_mark.line + 1``)."""
    import yaml

    try:
        return yaml.compose(read_text(path, shown), Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise ConfigError(shown or str(path), f"not valid YAML ({exc.problem or exc.context})",
                          line=mark.line + 1 if mark else None,
                          hint="Fix the indentation or quoting at that line.") from None
    except yaml.YAMLError as exc:
        raise ConfigError(shown or str(path), f"not valid YAML ({exc})") from None


def yaml_value(node) -> Any:
    """The plain Python value of a composed YAML node."""
    import yaml

    return yaml.SafeLoader(" ").construct_document(node) if node is not None else None


def write_atomic(path: Path, data: str | bytes) -> None:
    """Replace ``path`` with ``data`` in one rename: readers see the old file or the new one, never
    half of it. The temporary file is per process and thread, so concurrent writers cannot collide."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        if isinstance(data, str):
            temporary.write_text(data, encoding="utf-8")
        else:
            temporary.write_bytes(data)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise

"""``--rewrite-paths``: point string literals in code at the files' new places after an adopt.

Only exact literals are touched: a string in a script or notebook code cell whose value is the
old path of a moved file (``"wine.csv"``, ``'./data/wine.csv'``). Scripts are assumed to run from
the project root (as ``make`` and ``python -m`` do), notebooks from their own folder, so a
notebook's paths become relative to ``notebooks/``.
"""

from __future__ import annotations

import ast
import io
import json
import posixpath
import tokenize
from dataclasses import dataclass
from pathlib import Path

CODE_SUFFIXES = (".py", ".ipynb")


@dataclass
class Edit:
    """A file whose text changes: where it ends up, the literal replacements and the new bytes."""

    path: str
    replacements: list[tuple[str, str]]
    data: bytes


def _moved_to(value: str, moves: dict[str, str]) -> str | None:
    """The new place of the file a path literal names, when that file (or its folder) moves."""
    if not value or "\n" in value or value.startswith(("/", "~")) or "://" in value:
        return None
    old = posixpath.normpath(value)
    for source, target in moves.items():
        if old == source:
            return target
        if old.startswith(source + "/"):
            return target + old[len(source):]
    return None


def _new_literal(token: str, target: str) -> str:
    prefix_end = next(i for i, c in enumerate(token) if c in "'\"")
    prefix, quote = token[:prefix_end], token[prefix_end]
    quote = token[prefix_end:prefix_end + 3] if token[prefix_end:prefix_end + 3] == quote * 3 else quote
    if "r" not in prefix.lower():
        target = target.replace("\\", "\\\\")
    return f"{prefix}{quote}{target}{quote}"


def rewrite_source(source: str, moves: dict[str, str], base: str) -> tuple[str, list[tuple[str, str]]]:
    """``source`` with path literals rewritten relative to ``base`` (a folder under the root)."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return source, []
    lines = source.splitlines(keepends=True)
    changes = []
    for token in reversed(tokens):
        if token.type != tokenize.STRING or token.start[0] != token.end[0]:
            continue
        try:
            value = ast.literal_eval(token.string)
        except (ValueError, SyntaxError):
            continue
        target = _moved_to(value, moves) if isinstance(value, str) else None
        if target is None:
            continue
        relative = posixpath.relpath(target, base) if base != "." else target
        new = _new_literal(token.string, relative)
        row, (start, end) = token.start[0] - 1, (token.start[1], token.end[1])
        lines[row] = lines[row][:start] + new + lines[row][end:]
        changes.append((value, relative))
    return "".join(lines), list(reversed(changes))


def rewrite_notebook(text: str, moves: dict[str, str], base: str) -> tuple[str, list[tuple[str, str]]]:
    notebook = json.loads(text)
    changes = []
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        joined = "".join(source) if isinstance(source, list) else source
        new, found = rewrite_source(joined, moves, base)
        if found:
            cell["source"] = new.splitlines(keepends=True) if isinstance(source, list) else new
            changes += found
    if not changes:
        return text, []
    return json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", changes


def plan_edits(root: Path, moves: dict[str, str], code_files: dict[str, str]) -> list[Edit]:
    """Edits for ``code_files`` (old path -> final path) whose literals name moved files."""
    edits = []
    for old, final in sorted(code_files.items()):
        path = root / old
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        if final.endswith(".ipynb"):
            try:
                new, changes = rewrite_notebook(text, moves, posixpath.dirname(final) or ".")
            except json.JSONDecodeError:
                continue
        else:
            new, changes = rewrite_source(text, moves, ".")
        if changes:
            edits.append(Edit(final, changes, new.encode("utf-8")))
    return edits


def _code_of(path: Path) -> str | None:
    """Python source of a script, or a notebook's code cells (IPython magics dropped)."""
    try:
        text = path.read_text(encoding="utf-8")
        if path.suffix != ".ipynb":
            return text
        cells = json.loads(text).get("cells", [])
    except (UnicodeDecodeError, OSError, json.JSONDecodeError):
        return None
    lines = []
    for cell in cells:
        if cell.get("cell_type") == "code":
            source = cell.get("source", "")
            lines += ("".join(source) if isinstance(source, list) else source).splitlines()
    return "\n".join(line for line in lines if not line.lstrip().startswith(("%", "!")))


def imported_names(path: Path) -> set[str]:
    """Top-level names a file imports absolutely (``import x.y`` and ``from x import y`` give x)."""
    source = _code_of(path)
    try:
        tree = ast.parse(source or "")
    except SyntaxError:
        return set()
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def broken_imports(root: Path, moves: dict[str, str], code_files: dict[str, str]) -> list[tuple[str, str]]:
    """(file, message) for code that imports a top-level script which moves to another folder."""
    scripts = {Path(old).stem: new for old, new in moves.items() if "/" not in old and old.endswith(".py")}
    found = []
    for old, final in sorted(code_files.items()):
        for name in sorted(imported_names(root / old) & scripts.keys()):
            target = scripts[name]
            if posixpath.dirname(target) != posixpath.dirname(final):
                package = posixpath.dirname(target).replace("/", ".")
                found.append((final, f"imports {name}, which moves to {target}: write "
                                     f"`from {package} import {name}` and install the project "
                                     "(`-e .` in requirements.txt)"))
    return found

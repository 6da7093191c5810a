"""Parse pip requirements files: includes, constraints, hashes, markers, extras, URLs and paths.

uv installs these files itself; octoup parses them to show what a project declares, to check
drift and to point errors at ``file:line`` before anything is built.
"""

from __future__ import annotations

import os
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from packaging.requirements import InvalidRequirement
from packaging.requirements import Requirement as PackagingRequirement

from octoup.env.spec import Origin, Requirement
from octoup.errors import ConfigError
from octoup.project_root import display
from octoup.textfiles import read_text

_COMMENT = re.compile(r"(^|\s+)#.*$")
_ENV_VAR = re.compile(r"\$\{([A-Z0-9_]+)\}")
_EGG = re.compile(r"[#&]egg=([A-Za-z0-9_.\-]+)(\[[^\]]*\])?")
_URL_SCHEMES = ("http://", "https://", "file:", "git+", "hg+", "svn+", "bzr+")
_ARCHIVE_SUFFIXES = (".whl", ".tar.gz", ".zip", ".tar.bz2", ".tgz", ".tar.xz")

# options that take a value and are passed on to the installer as they are
_INDEX_OPTIONS = {
    "-i": "--index-url",
    "--index-url": "--index-url",
    "--extra-index-url": "--extra-index-url",
    "-f": "--find-links",
    "--find-links": "--find-links",
    "--trusted-host": "--trusted-host",
    "--no-binary": "--no-binary",
    "--only-binary": "--only-binary",
}
_FLAG_OPTIONS = {"--no-index", "--pre", "--prefer-binary", "--require-hashes"}
_IGNORED_OPTIONS = {"--use-feature", "--global-option", "--config-settings"}


@dataclass
class ParsedFile:
    requirements: list[Requirement] = field(default_factory=list)
    constraints: list[Requirement] = field(default_factory=list)
    options: list[str] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)



def parse_file(path: Path, *, root: Path | None = None) -> ParsedFile:
    """Parse ``path`` and everything it includes with ``-r``/``-c``."""
    parsed = ParsedFile()
    _parse_into(path, parsed, root=root, constraint=False, seen=())
    return parsed


def logical_lines(text: str) -> list[tuple[int, str]]:
    """Lines with comments removed and ``\\`` continuations joined, with their first line number."""
    lines: list[tuple[int, str]] = []
    pending, start = "", 0
    for number, raw in enumerate(text.splitlines(), start=1):
        if not pending:
            start = number
        if raw.endswith("\\") and not raw.lstrip().startswith("#"):
            pending += raw[:-1] + " "
            continue
        line = _COMMENT.sub("", pending + raw).strip()
        pending = ""
        if line:
            lines.append((start, _ENV_VAR.sub(lambda m: os.environ.get(m.group(1), m.group(0)), line)))
    if pending.strip():
        lines.append((start, _COMMENT.sub("", pending).strip()))
    return lines


def _parse_into(
    path: Path, parsed: ParsedFile, *, root: Path | None, constraint: bool, seen: tuple[Path, ...]
) -> None:
    shown = display(path, root)
    resolved = path.resolve()
    if resolved in seen:
        raise ConfigError(
            str(shown),
            "includes itself (an -r/-c cycle)",
            hint="Remove one of the -r/-c lines that form the cycle.",
        )
    text = read_text(path, str(shown))
    parsed.files.append(path)
    for number, line in logical_lines(text):
        origin = Origin(shown, number)
        if line.startswith("-"):
            _option(
                line, path, parsed, origin=origin, root=root, constraint=constraint, seen=(*seen, resolved)
            )
            continue
        target = parsed.constraints if constraint else parsed.requirements
        target.append(parse_line(line, origin))


def _option(
    line: str,
    path: Path,
    parsed: ParsedFile,
    *,
    origin: Origin,
    root: Path | None,
    constraint: bool,
    seen: tuple[Path, ...],
) -> None:
    try:
        words = shlex.split(line)
    except ValueError as exc:
        raise ConfigError(str(origin.path), f"cannot read this option: {exc}", line=origin.line) from None
    name, _, value = words[0].partition("=")
    if not value and len(words) > 1:
        value = " ".join(words[1:])
    if name in ("-r", "--requirement", "-c", "--constraint"):
        if not value:
            raise ConfigError(str(origin.path), f"{name} needs a file name", line=origin.line)
        include = (path.parent / value) if not Path(value).is_absolute() else Path(value)
        if not include.is_file():
            raise ConfigError(
                str(origin.path),
                f"{name} {value}: file not found",
                line=origin.line,
                hint=f"Create {value} next to {path.name}, or remove the line.",
            )
        _parse_into(
            include, parsed, root=root, constraint=constraint or name in ("-c", "--constraint"), seen=seen
        )
    elif name in ("-e", "--editable"):
        if not value:
            raise ConfigError(str(origin.path), f"{name} needs a path or URL", line=origin.line)
        requirement = parse_line(value, origin)
        target = parsed.constraints if constraint else parsed.requirements
        target.append(
            Requirement(
                text=line,
                name=requirement.name,
                extras=requirement.extras,
                url=requirement.url or value,
                editable=True,
                origin=origin,
            )
        )
    elif name in _INDEX_OPTIONS:
        if not value:
            raise ConfigError(str(origin.path), f"{name} needs a value", line=origin.line)
        if name in ("-f", "--find-links") and not re.match(r"^[a-z]+://", value):
            value = str((path.parent / value).resolve())
        parsed.options += [_INDEX_OPTIONS[name], value]
    elif name in _FLAG_OPTIONS:
        parsed.options.append(name)
    elif name not in _IGNORED_OPTIONS:
        raise ConfigError(
            str(origin.path),
            f"unknown option {name}",
            line=origin.line,
            hint="Supported: -r, -c, -e, -i/--index-url, --extra-index-url, -f/--find-links, "
            "--no-index, --pre, --hash on requirement lines.",
        )


def parse_line(line: str, origin: Origin | None = None) -> Requirement:
    """One requirement line (without ``-e``): ``name[extras]spec ; marker --hash=...``, a URL or a path."""
    body, hashes = _split_hashes(line)
    if _is_url_or_path(body):
        return _url_requirement(line, body, hashes, origin)
    try:
        parsed = PackagingRequirement(body)
    except InvalidRequirement as exc:
        where = origin or Origin(Path("<requirement>"))
        raise ConfigError(
            str(where.path),
            f"invalid requirement {body!r}: {_first_line(exc)}",
            line=where.line,
            hint="Write it as name[extras]>=version ; marker (PEP 508), a URL or a path.",
        ) from None
    return Requirement(
        text=line,
        name=parsed.name,
        specifier=str(parsed.specifier),
        extras=tuple(sorted(parsed.extras)),
        marker=str(parsed.marker) if parsed.marker else None,
        url=parsed.url,
        hashes=hashes,
        origin=origin,
    )


def _split_hashes(line: str) -> tuple[str, tuple[str, ...]]:
    hashes = tuple(re.findall(r"--hash[=\s]+(\S+)", line))
    body = re.sub(r"\s*--hash[=\s]+\S+", "", line).strip()
    return body, hashes


def _is_url_or_path(body: str) -> bool:
    head = body.split(";", 1)[0].strip()
    if " @ " in head or "@" in head.split("/", 1)[0]:
        return False
    return (
        head.startswith(_URL_SCHEMES)
        or head.startswith((".", "/", "~"))
        or head.endswith(_ARCHIVE_SUFFIXES)
        or os.sep in head
        or "/" in head
    )


def _url_requirement(line: str, body: str, hashes: tuple[str, ...], origin: Origin | None) -> Requirement:
    head, _, marker = body.partition(";")
    url = head.strip()
    name, extras = None, ()
    egg = _EGG.search(url)
    if egg:
        name = egg.group(1)
        extras = tuple(e.strip() for e in (egg.group(2) or "[]")[1:-1].split(",") if e.strip())
    elif url.endswith(".whl"):
        name = Path(url.split("#", 1)[0]).name.split("-", 1)[0]
    return Requirement(
        text=line,
        name=name,
        extras=extras,
        marker=marker.strip() or None,
        url=url,
        hashes=hashes,
        origin=origin,
    )


def _first_line(exc: Exception) -> str:
    return str(exc).splitlines()[0]

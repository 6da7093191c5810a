"""``pyproject.toml``: PEP 621 dependencies, dependency groups, Poetry tables; uv/poetry/pdm locks."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

from octoup.env.detectors.base import Detector, key_line, string_line
from octoup.env.reqfile import parse_line
from octoup.env.spec import EnvSpec, Origin, PythonRequest, Requirement
from octoup.errors import ConfigError
from octoup.textfiles import read_toml

LOCK_FILES = ("uv.lock", "poetry.lock", "pdm.lock")
DEV_GROUPS = ("dev", "test", "tests", "lint")


class PyprojectDetector(Detector):
    name = "pyproject"
    patterns = ("pyproject.toml",)

    def candidates(self, folder: Path) -> list[Path]:
        """Only a pyproject that declares something to install counts (not a bare tool config)."""
        path = folder / "pyproject.toml"
        if not path.is_file():
            return []
        text = path.read_text(encoding="utf-8", errors="replace")
        return [path] if re.search(r"^\[(project|tool\.poetry|build-system)\]", text, re.M) else []

    def load(self, path: Path, *, root: Path) -> EnvSpec:
        shown = self.shown(path, root)
        data = read_toml(path, shown)
        text = path.read_text(encoding="utf-8")
        project = data.get("project") or {}
        poetry = (data.get("tool") or {}).get("poetry") or {}
        spec = EnvSpec(
            kind=self.name,
            path=path,
            inputs=[path],
            install_project="build-system" in data or bool(poetry.get("packages")),
        )
        where = Path(shown)
        if project:
            spec.requirements = self._strings(
                project.get("dependencies") or [], "project.dependencies", where, text
            )
            if project.get("requires-python"):
                spec.python = PythonRequest(
                    str(project["requires-python"]), Origin(where, key_line(text, "requires-python"))
                )
        if poetry:
            self._poetry(poetry, spec, where, text)
        groups = data.get("dependency-groups") or {}
        for group in DEV_GROUPS:
            spec.dev_requirements += self._strings(
                [g for g in groups.get(group, []) if isinstance(g, str)],
                f"dependency-groups.{group}",
                where,
                text,
            )
        self._lock(path.parent, spec, root=root, name=project.get("name") or poetry.get("name"))
        return spec

    def _strings(self, values: Any, key: str, where: Path, text: str) -> list[Requirement]:
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise ConfigError(
                str(where),
                f"{key} must be a list of requirement strings",
                line=key_line(text, key.rsplit(".", 1)[-1]),
                hint='Write it as a TOML array, e.g. dependencies = ["pandas>=2", "numpy"].',
            )
        return [parse_line(value, Origin(where, string_line(text, value))) for value in values]

    def _poetry(self, poetry: dict[str, Any], spec: EnvSpec, where: Path, text: str) -> None:
        dev = dict(poetry.get("dev-dependencies") or {})
        for group in (poetry.get("group") or {}).values():
            dev.update(group.get("dependencies") or {})
        for section, target in (
            (poetry.get("dependencies") or {}, spec.requirements),
            (dev, spec.dev_requirements),
        ):
            for name, value in section.items():
                origin = Origin(where, key_line(text, name))
                try:
                    if name.lower() == "python":
                        spec.python = PythonRequest(poetry_specifier(str(value)), origin)
                    else:
                        target.append(poetry_requirement(name, value, origin))
                except ValueError as exc:
                    raise ConfigError(
                        str(where),
                        f"{name}: {exc}",
                        line=origin.line,
                        hint="Use Poetry's ^1.2, ~1.2, >=1.2,<2 or * forms.",
                    ) from None

    def _lock(self, folder: Path, spec: EnvSpec, *, root: Path, name: str | None) -> None:
        for lock_name in LOCK_FILES:
            lock = folder / lock_name
            if lock.is_file():
                data = read_toml(lock, self.shown(lock, root))
                own = canonicalize_name(name) if name else None
                spec.lock_pins = {
                    canonicalize_name(p["name"]): str(p["version"])
                    for p in data.get("package") or []
                    if "name" in p and "version" in p and canonicalize_name(p["name"]) != own
                }
                spec.lock_path = lock
                spec.inputs.append(lock)
                return

    def covers(self, spec: EnvSpec, path: Path) -> str | None:
        if spec.lock_path == path:
            return f"lock file of {spec.path.name}"
        return None


def poetry_specifier(value: str) -> str:
    """Poetry's ``^1.2``/``~1.2``/``*``/``1.2.*`` constraints as PEP 440 specifiers."""
    parts = [p.strip() for p in value.split(",") if p.strip()]
    out: list[str] = []
    for part in parts:
        if part == "*":
            continue
        if part.startswith("^"):
            out.append(_caret(part[1:]))
        elif part.startswith("~") and not part.startswith("~="):
            out.append(_tilde(part[1:]))
        elif part[0].isdigit():
            out.append(f"=={part}")
        else:
            out.append(part)
    return ",".join(out)


def _numbers(version: str) -> list[int]:
    numbers = [int(n) for n in re.findall(r"\d+", version)[:3]]
    if not numbers:
        raise ValueError(f"invalid version constraint {version!r}")
    return numbers


def _caret(version: str) -> str:
    numbers = _numbers(version)
    first = next((i for i, n in enumerate(numbers) if n), len(numbers) - 1)
    upper = [*numbers[:first], numbers[first] + 1]
    return f">={version},<{'.'.join(map(str, upper))}"


def _tilde(version: str) -> str:
    numbers = _numbers(version)
    upper = [numbers[0] + 1] if len(numbers) == 1 else [numbers[0], numbers[1] + 1]
    return f">={version},<{'.'.join(map(str, upper))}"


def poetry_requirement(name: str, value: Any, origin: Origin) -> Requirement:
    if isinstance(value, list):  # multiple constraints by marker: take the first, keep its marker
        value = value[0] if value else "*"
    if isinstance(value, str):
        return parse_line(f"{name}{poetry_specifier(value)}", origin)
    if not isinstance(value, dict):
        raise ConfigError(str(origin.path), f"{name} must be a version string or a table", line=origin.line)
    extras = sorted(value.get("extras") or [])
    head = f"{name}[{','.join(extras)}]" if extras else name
    if value.get("git"):
        ref = value.get("rev") or value.get("tag") or value.get("branch")
        return parse_line(f"{head} @ git+{value['git']}{'@' + ref if ref else ''}", origin)
    if value.get("path") or value.get("url"):
        url = value.get("url") or value["path"]
        return Requirement(text=url, name=name, url=url, editable=bool(value.get("develop")), origin=origin)
    marker = value.get("markers")
    line = f"{head}{poetry_specifier(str(value.get('version', '*')))}"
    return parse_line(f"{line} ; {marker}" if marker else line, origin)

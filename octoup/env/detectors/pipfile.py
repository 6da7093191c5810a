"""``Pipfile.lock`` (exact pins with hashes) and ``Pipfile`` (pipenv's declared packages)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from octoup.env.detectors.base import Detector, key_line
from octoup.env.reqfile import parse_line
from octoup.env.spec import EnvSpec, Origin, PythonRequest, Requirement
from octoup.errors import ConfigError
from octoup.textfiles import read_json, read_toml


def _index_options(sources: list[dict[str, Any]]) -> list[str]:
    options: list[str] = []
    for number, source in enumerate(sources):
        url = source.get("url")
        if url:
            options += ["--index-url" if number == 0 else "--extra-index-url", url]
    return options


def _python_request(requires: dict[str, Any], origin: Origin) -> PythonRequest | None:
    version = requires.get("python_full_version") or requires.get("python_version")
    return PythonRequest(str(version), origin) if version else None


class PipfileLockDetector(Detector):
    name = "pipfile-lock"
    patterns = ("Pipfile.lock",)

    def load(self, path: Path, *, root: Path) -> EnvSpec:
        shown = self.shown(path, root)
        data = read_json(path, shown)
        if not isinstance(data, dict) or "default" not in data or not isinstance(data["default"], dict):
            raise ConfigError(
                shown,
                "is not a Pipfile.lock (no 'default' section)",
                hint="Regenerate it with `pipenv lock`.",
            )
        meta = data.get("_meta") or {}
        origin = Origin(Path(shown))
        spec = EnvSpec(
            kind=self.name,
            path=path,
            inputs=[path],
            locked=True,
            index_options=_index_options(meta.get("sources") or []),
            python=_python_request(meta.get("requires") or {}, origin),
            lock_path=path,
        )
        spec.requirements = [self._locked(name, entry, origin) for name, entry in data["default"].items()]
        spec.dev_requirements = [
            self._locked(name, entry, origin) for name, entry in (data.get("develop") or {}).items()
        ]
        spec.lock_pins = {r.key: r.pin for r in spec.requirements + spec.dev_requirements if r.key and r.pin}
        return spec

    @staticmethod
    def _locked(name: str, entry: dict[str, Any], origin: Origin) -> Requirement:
        if not isinstance(entry, dict):
            raise ConfigError(
                str(origin.path),
                f"entry for {name!r} is not a table",
                hint="Regenerate it with `pipenv lock`.",
            )
        extras = tuple(sorted(entry.get("extras") or ()))
        marker = entry.get("markers")
        if "version" in entry:
            return Requirement(
                text=f"{name}{entry['version']}",
                name=name,
                specifier=entry["version"],
                extras=extras,
                marker=marker,
                hashes=tuple(entry.get("hashes") or ()),
                origin=origin,
            )
        url = _vcs_or_path(entry)
        if url is None:
            raise ConfigError(
                str(origin.path),
                f"entry for {name!r} has no version, VCS URL or path",
                hint="Regenerate it with `pipenv lock`.",
            )
        return Requirement(
            text=url,
            name=name,
            extras=extras,
            marker=marker,
            url=url,
            editable=bool(entry.get("editable")),
            origin=origin,
        )

    def covers(self, spec: EnvSpec, path: Path) -> str | None:
        if path.name == "Pipfile" and path.parent == spec.path.parent:
            return "Pipfile.lock pins its packages (run `pipenv lock` after editing Pipfile)"
        return None


class PipfileDetector(Detector):
    name = "pipfile"
    patterns = ("Pipfile",)

    def load(self, path: Path, *, root: Path) -> EnvSpec:
        shown = self.shown(path, root)
        data = read_toml(path, shown)
        text = path.read_text(encoding="utf-8")
        sources = data.get("source") or []
        spec = EnvSpec(
            kind=self.name,
            path=path,
            inputs=[path],
            index_options=_index_options(sources),
            python=_python_request(
                data.get("requires") or {},
                Origin(
                    Path(shown), key_line(text, "python_full_version") or key_line(text, "python_version")
                ),
            ),
        )
        spec.requirements = self._section(data.get("packages") or {}, shown, text)
        spec.dev_requirements = self._section(data.get("dev-packages") or {}, shown, text)
        return spec

    def _section(self, packages: dict[str, Any], shown: str, text: str) -> list[Requirement]:
        found = []
        for name, value in packages.items():
            origin = Origin(Path(shown), key_line(text, name))
            found.append(pipfile_requirement(name, value, origin))
        return found


def pipfile_requirement(name: str, value: Any, origin: Origin) -> Requirement:
    """One ``[packages]`` entry: ``"*"``, ``"==1.0"`` or a table with version/extras/markers/git/path."""
    if isinstance(value, str):
        spec = "" if value.strip() == "*" else value.strip()
        return parse_line(f"{name}{spec}", origin)
    if not isinstance(value, dict):
        raise ConfigError(str(origin.path), f"{name} must be a version string or a table", line=origin.line)
    extras = tuple(sorted(value.get("extras") or ()))
    url = _vcs_or_path(value)
    if url:
        return Requirement(
            text=url,
            name=name,
            extras=extras,
            marker=value.get("markers"),
            url=url,
            editable=bool(value.get("editable")),
            origin=origin,
        )
    version = str(value.get("version", "*")).strip()
    marker = value.get("markers")
    text = f"{name}{'[' + ','.join(extras) + ']' if extras else ''}{'' if version == '*' else version}"
    return parse_line(f"{text} ; {marker}" if marker else text, origin)


def _vcs_or_path(entry: dict[str, Any]) -> str | None:
    for vcs in ("git", "hg", "svn", "bzr"):
        if entry.get(vcs):
            url = entry[vcs]
            url = url if url.startswith(f"{vcs}+") else f"{vcs}+{url}"
            return url + (f"@{entry['ref']}" if entry.get("ref") else "")
    if entry.get("path"):
        return str(entry["path"])
    if entry.get("file"):
        return str(entry["file"])
    return None

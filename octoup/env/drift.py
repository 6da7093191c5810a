"""Drift: what the project declares and locks versus what its environment has installed."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import InvalidRequirement
from packaging.requirements import Requirement as PackagingRequirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name

from octoup.env.conda_names import pypi_requirements
from octoup.env.detect import Detection
from octoup.env.installed import Environment
from octoup.env.spec import EnvSpec, Requirement

#: installed everywhere by tools, never worth reporting as extra
BASE_PACKAGES = frozenset({"pip", "setuptools", "wheel", "python", "uv", "distribute", "pkg-resources"})


@dataclass
class Row:
    package: str
    declared: str
    locked: str
    installed: str
    status: str  # ok, missing, mismatch, unlocked, extra
    where: str = ""


@dataclass
class DriftReport:
    env: Path
    source: str | None
    rows: list[Row] = field(default_factory=list)
    stale: str | None = None
    model: list[Row] = field(default_factory=list)

    @property
    def problems(self) -> list[Row]:
        return [r for r in self.rows + self.model if r.status != "ok"]

    @property
    def clean(self) -> bool:
        return not self.problems and not self.stale


def marker_environment(env: Environment) -> dict[str, str]:
    markers = default_environment()
    version = env.python_version
    if version:
        parts = version.split(".")
        markers["python_version"] = ".".join(parts[:2])
        markers["python_full_version"] = ".".join(parts[:3])
    return markers


def applies(requirement: Requirement, markers: dict[str, str]) -> bool:
    if not requirement.marker:
        return True
    try:
        return PackagingRequirement(f"x ; {requirement.marker}").marker.evaluate({**markers, "extra": ""})
    except (InvalidRequirement, ValueError):
        return True


def satisfies(version: str, specifier: str) -> bool:
    if not specifier:
        return True
    try:
        return SpecifierSet(specifier).contains(version, prereleases=True)
    except InvalidSpecifier:
        return True


def check(detection: Detection, env: Environment, *, dev: bool = False) -> DriftReport:
    """Compare declared and locked requirements with what ``env`` has installed."""
    spec = detection.spec
    report = DriftReport(env=env.prefix, source=detection.winner)
    if spec is None:
        return report
    markers = marker_environment(env)
    declared = [r for r in pypi_requirements(spec, dev=dev)[0] if r.key and applies(r, markers)]
    locked = dict(spec.lock_pins)
    seen: set[str] = set()
    for requirement in declared:
        key = requirement.key
        seen.add(key)
        installed = env.packages.get(key)
        lock = locked.get(key, "")
        if installed is None:
            status = "missing"
        elif not satisfies(installed.version, requirement.specifier):
            status = "mismatch"
        elif lock and lock != installed.version:
            status = "unlocked"
        else:
            status = "ok"
        report.rows.append(
            Row(
                key,
                requirement.specifier or "*",
                lock,
                installed.version if installed else "",
                status,
                str(requirement.origin or ""),
            )
        )
    for key, pin in sorted(locked.items()):
        if key in seen:
            continue
        installed = env.packages.get(key)
        if installed is None:
            # lock files hold every platform's packages; only report what applies here
            continue
        seen.add(key)
        status = "ok" if installed.version == pin else "unlocked"
        report.rows.append(
            Row(
                key,
                "",
                pin,
                installed.version,
                status,
                str(spec.lock_path.name if spec.lock_path else spec.path.name),
            )
        )
    needed = closure(env, seen)
    own = {canonicalize_name(spec.path.parent.name)}
    for key, installed in sorted(env.packages.items()):
        if key in needed or key in BASE_PACKAGES or key in own or installed.editable:
            continue
        report.rows.append(Row(key, "", "", installed.version, "extra", "installed but not declared"))
    return report


_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._\-]*)")


def closure(env: Environment, roots: set[str]) -> set[str]:
    """``roots`` and everything they depend on, following installed metadata."""
    todo = list(roots)
    found = set(roots)
    while todo:
        installed = env.packages.get(todo.pop())
        if installed is None:
            continue
        for requirement in installed.requires:
            match = _NAME.match(requirement)
            if not match:
                continue
            key = canonicalize_name(match.group(1))
            if key not in found:
                found.add(key)
                todo.append(key)
    return found


@dataclass
class EnvDiff:
    captured_in: str
    added: dict[str, str] = field(default_factory=dict)
    removed: dict[str, str] = field(default_factory=dict)
    changed: dict[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)

    def summary(self) -> str:
        from packaging.version import InvalidVersion, Version

        def newer(old: str, new: str) -> bool:
            try:
                return Version(new) > Version(old)
            except InvalidVersion:
                return True

        upgraded = sum(1 for old, new in self.changed.values() if newer(old, new))
        parts = [
            f"{len(self.added)} added" if self.added else "",
            f"{upgraded} upgraded" if upgraded else "",
            f"{len(self.changed) - upgraded} downgraded" if len(self.changed) - upgraded else "",
            f"{len(self.removed)} removed" if self.removed else "",
        ]
        return ", ".join(p for p in parts if p) or "no changes"


def captured_pins(spec: EnvSpec, markers: dict[str, str]) -> dict[str, str]:
    """What the project's files pin: exact pins of the declared (or locked) requirements that apply
    here, then a lock file's versions, then ``name=1.2`` conda pins."""
    pins = {
        r.key: r.pin for r in pypi_requirements(spec, dev=True)[0] if r.key and r.pin and applies(r, markers)
    }
    for key, version in spec.lock_pins.items():
        pins.setdefault(key, version)
    if spec.conda:
        from octoup.env.detectors.conda import split_conda_spec

        for text, _ in spec.conda.specs:
            name, constraint = split_conda_spec(text)
            version = constraint.lstrip("=").split("=")[0]
            if constraint.startswith("=") and re.fullmatch(r"[\w.]+", version):
                pins.setdefault(canonicalize_name(name), version)
    return pins


def diff(spec: EnvSpec, env: Environment) -> EnvDiff:
    """What changed in ``env`` since the project's files were last captured (pins vs installed).

    Added means installed and needed by nothing the files name; removed means named (and, for a
    lock, meant for this platform) but no longer installed.
    """
    markers = marker_environment(env)
    pins = captured_pins(spec, markers)
    named = {r.key for r in pypi_requirements(spec, dev=True)[0] if r.key and applies(r, markers)}
    result = EnvDiff(captured_in=str(spec.lock_path.name if spec.lock_path else spec.path.name))
    installed = {k: v.version for k, v in env.packages.items() if k not in BASE_PACKAGES and not v.editable}
    needed = closure(env, set(pins) | named)
    for key, version in sorted(installed.items()):
        if key in pins and pins[key] != version:
            result.changed[key] = (pins[key], version)
        elif key not in needed:
            result.added[key] = version
    for key in sorted(named | (set(pins) if spec.locked else set())):
        if key not in installed and key not in BASE_PACKAGES:
            result.removed[key] = pins.get(key, "")
    return result


def staleness(detection: Detection, env: Environment) -> str | None:
    """Why ``env`` no longer matches the env files it was built from, if it does not."""
    from octoup.env.state import env_hash, read_state

    state = read_state(env.prefix)
    if state is None or detection.spec is None:
        return None
    from octoup.env import settings as env_settings

    python = env_settings.load(detection.root).python_for(detection)
    current = env_hash(
        detection.spec, root=detection.root, builder=state.builder, python=python, dev=state.dev
    )
    if current != state.hash:
        return (
            f"the env files changed since `octoup up` built {env.prefix.name} "
            f"from {state.source} on {state.built_at}"
        )
    return None

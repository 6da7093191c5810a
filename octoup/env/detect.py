"""Find a project's environment files and decide, visibly, which one defines the env.

Detectors run in :data:`~octoup.env.detectors.ORDER`; the first with a file wins. Every other
env file found is reported with the reason it was not used. A ``binder/`` or ``.binder/`` folder
replaces the project root as the place env files are read from (as on mybinder.org).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from octoup.env.detectors import BY_NAME, ORDER, Detector
from octoup.env.spec import EnvSpec, Origin, PythonRequest
from octoup.errors import ConfigError, OctoupError
from octoup.project_root import display

BINDER_DIRS = ("binder", ".binder")


@dataclass(frozen=True)
class Found:
    """An env file that was looked at: whether it was used, and why (not)."""

    path: str
    format: str
    used: bool
    reason: str


@dataclass
class Detection:
    root: Path
    folder: Path
    spec: EnvSpec | None
    files: list[Found] = field(default_factory=list)
    python: PythonRequest | None = None

    @cached_property
    def conflicts(self) -> list[str]:
        """Packages or Python versions that two env files pin incompatibly (parses the losers)."""
        return disagreements(self, self.root)

    @property
    def winner(self) -> str | None:
        return str(display(self.spec.path, self.root)) if self.spec else None


def env_folder(root: Path) -> tuple[Path, list[Found]]:
    """Where env files are read from: a binder folder when there is one, else the root."""
    for name in BINDER_DIRS:
        folder = root / name
        if folder.is_dir():
            return folder, [Found(f"{name}/", "binder", True, "binder folder overrides the project root")]
    return root, []


def detect(root: Path, *, file: Path | None = None, strict: bool = False) -> Detection:
    """Detect the env of the project at ``root``; ``file`` forces one env file."""
    root = root.resolve()
    folder, notes = env_folder(root)
    detection = Detection(root=root, folder=folder, spec=None, files=list(notes))
    if folder != root:
        for detector in ORDER:
            for path in detector.candidates(root):
                detection.files.append(
                    Found(
                        _shown(path, root), detector.name, False, f"{folder.name}/ overrides the project root"
                    )
                )
    winner: tuple[Detector, EnvSpec] | None = None
    if file is not None:
        winner = _forced(file, root)
    for detector in ORDER:
        for path in detector.candidates(folder):
            if winner is None:
                winner = (detector, detector.load(path, root=root))
                detection.files.append(Found(_shown(path, root), detector.name, True, "first in precedence"))
                continue
            detection.files.append(
                Found(
                    _shown(path, root), detector.name, path in winner[1].inputs, _reason(winner, path, root)
                )
            )
    if winner is not None:
        detection.spec = winner[1]
        listed = {found.path for found in detection.files}
        for path in winner[1].inputs:
            if _shown(path, root) not in listed and path != winner[1].path:
                detection.files.append(
                    Found(
                        _shown(path, root),
                        winner[0].name,
                        True,
                        f"read as part of {_shown(winner[1].path, root)}",
                    )
                )
        if file is not None:
            detection.files.insert(
                len(notes), Found(_shown(file, root), winner[0].name, True, "chosen with --file")
            )
        detection.files = _dedupe(detection.files)
    detection.python = python_request(folder, root, detection.spec)
    if strict and detection.conflicts:
        raise OctoupError(
            "env files disagree:\n  " + "\n  ".join(detection.conflicts),
            "Make the files agree, or delete the ones that are no longer used.",
        )
    return detection


def _forced(file: Path, root: Path) -> tuple[Detector, EnvSpec]:
    path = file if file.is_absolute() else root / file
    if not path.is_file():
        raise OctoupError(f"{file}: no such env file", "Give a path to an env file inside the project.")
    for detector in ORDER:
        if any(candidate.name == path.name for candidate in detector.candidates(path.parent)):
            return detector, detector.load(path, root=root)
    if path.suffix == ".txt":
        return BY_NAME["requirements"], BY_NAME["requirements"].load(path, root=root)
    if path.suffix in (".yml", ".yaml"):
        return BY_NAME["conda"], BY_NAME["conda"].load(path, root=root)
    raise OctoupError(
        f"{file}: not an env file octoup knows",
        "Known: environment.yml, Pipfile(.lock), requirements*.txt, pyproject.toml, setup.py/cfg.",
    )


def _reason(winner: tuple[Detector, EnvSpec], path: Path, root: Path) -> str:
    detector, spec = winner
    if path == spec.path:
        return "chosen with --file"
    if path in spec.inputs:
        return f"read as part of {_shown(spec.path, root)}"
    return detector.covers(spec, path) or f"{_shown(spec.path, root)} comes first"


def _dedupe(found: list[Found]) -> list[Found]:
    seen: set[str] = set()
    unique = []
    for item in found:
        if item.path not in seen:
            seen.add(item.path)
            unique.append(item)
    return unique


def _shown(path: Path, root: Path) -> str:
    return str(display(path, root))


def python_request(folder: Path, root: Path, spec: EnvSpec | None) -> PythonRequest | None:
    """``runtime.txt`` beats ``.python-version`` beats what the env file itself asks for."""
    runtime = folder / "runtime.txt"
    if runtime.is_file():
        text = runtime.read_text(encoding="utf-8").strip()
        match = re.fullmatch(r"python-(\d+(?:\.\d+){0,2})", text)
        if not match:
            raise ConfigError(
                _shown(runtime, root),
                f"unknown Python version {text!r}",
                line=1,
                hint="Write python-3.X (e.g. python-3.11); other runtimes are not supported.",
            )
        return PythonRequest(
            check_version(match.group(1), runtime, root), Origin(Path(_shown(runtime, root)), 1)
        )
    version_file = folder / ".python-version"
    if not version_file.is_file() and folder != root:
        version_file = root / ".python-version"
    if version_file.is_file():
        for number, line in enumerate(version_file.read_text(encoding="utf-8").splitlines(), start=1):
            text = line.split("#", 1)[0].strip()
            if text:
                version = check_version(
                    text.removeprefix("python").removeprefix("cpython-"), version_file, root, line=number
                )
                return PythonRequest(version, Origin(Path(_shown(version_file, root)), number))
    return spec.python if spec else None


def check_version(text: str, path: Path, root: Path, *, line: int = 1) -> str:
    """A plain ``3.X[.Y]`` version, or a clear error for anything else."""
    if not re.fullmatch(r"3(?:\.\d+){1,2}", text):
        raise ConfigError(
            _shown(path, root),
            f"unknown Python version {text!r}",
            line=line,
            hint="Write a CPython version such as 3.11 or 3.11.7.",
        )
    if int(text.split(".")[1]) > 40:
        raise ConfigError(
            _shown(path, root),
            f"unknown Python version {text!r}",
            line=line,
            hint="No such CPython release; use e.g. 3.11 or 3.12.",
        )
    return text


def disagreements(detection: Detection, root: Path) -> list[str]:
    """Packages or Python versions that two env files in the folder pin incompatibly."""
    specs: list[EnvSpec] = [detection.spec] if detection.spec else []
    for found in detection.files:
        if found.used or found.format == "binder":
            continue
        path = root / found.path
        detector = BY_NAME.get(found.format)
        if detector is None or not path.is_file() or path.parent != detection.folder:
            continue
        try:
            specs.append(detector.load(path, root=root))
        except OctoupError:
            continue
    problems: list[str] = []
    for index, first in enumerate(specs):
        for second in specs[index + 1 :]:
            problems += _compare(first, second)
    return problems


def _compare(first: EnvSpec, second: EnvSpec) -> list[str]:
    from octoup.env.conda_names import pypi_requirements

    def versions(spec: EnvSpec) -> dict[str, tuple[str, str]]:
        found = {}
        requirements = pypi_requirements(spec)[0]
        for requirement in requirements:
            if requirement.key and requirement.specifier:
                found[requirement.key] = (requirement.specifier, str(requirement.origin or spec.path.name))
        for key, pin in spec.lock_pins.items():
            found.setdefault(key, (f"=={pin}", str(spec.path.name)))
        return found

    problems = []
    left, right = versions(first), versions(second)
    for key in sorted(left.keys() & right.keys()):
        (spec_a, where_a), (spec_b, where_b) = left[key], right[key]
        if not compatible(spec_a, spec_b):
            problems.append(f"{key}: {spec_a} ({where_a}) vs {spec_b} ({where_b})")
    if (
        first.python
        and second.python
        and not compatible(_as_spec(first.python.version), _as_spec(second.python.version))
    ):
        problems.append(
            f"python: {first.python.version} ({first.python.origin}) vs "
            f"{second.python.version} ({second.python.origin})"
        )
    return problems


def _as_spec(version: str) -> str:
    return (
        version if version[:1] in "<>=!~" else f"=={version}.*" if version.count(".") < 2 else f"=={version}"
    )


def compatible(spec_a: str, spec_b: str) -> bool:
    """Whether some version could satisfy both specifiers (checked at the pins they name)."""
    try:
        a, b = SpecifierSet(spec_a), SpecifierSet(spec_b)
    except InvalidSpecifier:
        return True
    candidates = [Version(s.version.rstrip(".*")) for s in (*a, *b) if _parses(s.version.rstrip(".*"))]
    if not candidates:
        return True
    return any(
        a.contains(v, prereleases=True) and b.contains(v, prereleases=True) for v in candidates
    ) or not any(s.operator in ("==", "===") for s in (*a, *b))


def _parses(text: str) -> bool:
    try:
        Version(text)
    except InvalidVersion:
        return False
    return True

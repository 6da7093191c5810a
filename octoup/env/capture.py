"""Write the live environment back into the project's own env file format."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from octoup.env.detect import Detection
from octoup.env.drift import BASE_PACKAGES, EnvDiff, closure, diff
from octoup.env.installed import Environment
from octoup.errors import OctoupError
from octoup.textfiles import write_atomic

HEADER = "# Captured by `octoup env capture` from {env}; rebuild with `octoup up`.\n"


@dataclass
class Capture:
    path: Path
    changes: EnvDiff
    notes: list[str]


def _pins(env: Environment, *, installer: str | None = None) -> dict[str, str]:
    return {
        p.name: p.version
        for k, p in sorted(env.packages.items())
        if k not in BASE_PACKAGES
        and not p.editable
        and (installer is None or (p.installer == "conda") == (installer == "conda"))
    }


FORMATS = ("requirements", "conda", "pipfile", "pyproject")


def capture(detection: Detection, env: Environment, *, fmt: str | None = None) -> Capture:
    """Rewrite the winning env file (or requirements.txt, or ``fmt``) to match ``env``."""
    spec = detection.spec
    changes = diff(spec, env) if spec else EnvDiff(captured_in="requirements.txt")
    kind = fmt or (spec.kind if spec else "requirements")
    if kind != "requirements" and (spec is None or kind not in (spec.kind, spec.kind.split("-")[0])):
        raise OctoupError(
            f"cannot capture as {kind}: the project's env comes from {detection.winner or 'no file'}",
            "Use --format requirements, or the project's format.",
        )
    writer = {
        "requirements": _requirements,
        "conda": _environment_yml,
        "pipfile": _pipfile,
        "pipfile-lock": _pipfile,
        "pyproject": _pyproject,
        "setup": _requirements,
    }[kind]
    path, notes = writer(detection, env)
    _adopt(detection.root, env)
    return Capture(path=path, changes=changes, notes=notes)


def _adopt(root: Path, env: Environment) -> None:
    """The env now matches the rewritten files: record their hash so `up` and `check` agree."""
    from dataclasses import replace

    from octoup.env.detect import detect
    from octoup.env.state import env_hash, read_state, write_state

    state = read_state(env.prefix)
    detection = detect(root)
    if state is None or detection.spec is None:
        return
    from octoup.env import settings as env_settings

    python = env_settings.load(root).python_for(detection)
    write_state(
        env.prefix,
        replace(
            state,
            source=detection.winner or state.source,
            python=python,
            kind=detection.spec.kind,
            hash=env_hash(detection.spec, root=root, builder=state.builder, python=python, dev=state.dev),
        ),
    )


def _requirements(detection: Detection, env: Environment) -> tuple[Path, list[str]]:
    spec = detection.spec
    path = spec.path if spec and spec.kind == "requirements" else detection.folder / "requirements.txt"
    notes = []
    options = []
    if spec and spec.kind == "requirements":
        options = [
            line
            for line in path.read_text(encoding="utf-8").splitlines()
            if line.startswith(("--index-url", "-i ", "--extra-index-url", "-f ", "--find-links"))
        ]
        if len(spec.inputs) > 1:
            notes.append(f"{path.name} now pins everything itself; its -r/-c includes were left out")
    lines = [HEADER.format(env=env.prefix.name), *options]
    if any(p.editable for p in env.packages.values()):
        lines.append("-e .")
    lines += [f"{name}=={version}" for name, version in _pins(env).items()]
    write_atomic(path, "\n".join(lines) + "\n")
    return path, notes


def _environment_yml(detection: Detection, env: Environment) -> tuple[Path, list[str]]:
    import yaml

    from octoup.env.conda_names import pypi_name
    from octoup.env.detectors.conda import split_conda_spec

    spec = detection.spec
    conda_pins = _pins(env, installer="conda")
    dependencies: list = []
    covered: set[str] = set()
    for text, _ in spec.conda.specs:
        name, _constraint = split_conda_spec(text)
        if name.lower() == "python":
            version = env.python_version
            dependencies.append(f"python={'.'.join(version.split('.')[:2])}" if version else text)
            continue
        mapped = pypi_name(name) or name
        version = conda_pins.get(name) or env.version(mapped)
        dependencies.append(f"{name}={version}" if version else text)
        covered |= {name.lower(), mapped.lower()}
    conda_keys = {k for k, p in env.packages.items() if p.installer == "conda"}
    needed_by_conda = closure(env, conda_keys | covered)
    pip = [
        f"{p.name}=={p.version}"
        for k, p in sorted(env.packages.items())
        if p.installer != "conda"
        and k not in BASE_PACKAGES
        and not p.editable
        and p.name.lower() not in covered
        and (k not in needed_by_conda or k not in conda_keys)
    ]
    if pip:
        dependencies.append({"pip": pip})
    document = {
        "name": spec.conda.name or detection.root.name,
        "channels": spec.conda.channels or ["conda-forge"],
        "dependencies": dependencies,
    }
    write_atomic(spec.path, HEADER.format(env=env.prefix.name) + yaml.safe_dump(document, sort_keys=False))
    return spec.path, []


def _top_level(env: Environment) -> set[str]:
    """Installed packages that no other installed package depends on."""
    required: set[str] = set()
    for key in env.packages:
        required |= closure(env, {key}) - {key}
    return {k for k in env.packages if k not in required and k not in BASE_PACKAGES}


def _pipfile(detection: Detection, env: Environment) -> tuple[Path, list[str]]:
    import tomlkit

    path = detection.spec.path.parent / "Pipfile"
    if not path.is_file():
        raise OctoupError(
            "Pipfile.lock has no Pipfile next to it; cannot capture",
            "Restore the Pipfile, or capture as requirements.txt with --file requirements.txt.",
        )
    document = tomlkit.parse(path.read_text(encoding="utf-8"))
    packages = document.setdefault("packages", tomlkit.table())
    present = {k.lower().replace("_", "-") for k in packages}
    dev = {k.lower().replace("_", "-") for k in document.get("dev-packages", {})}
    for key in sorted(_top_level(env)):
        installed = env.packages[key]
        if installed.editable:
            continue
        if key not in present and key not in dev:
            packages[installed.name] = f"=={installed.version}"
    for name in list(packages):
        version = env.version(name)
        if version and isinstance(packages[name], str):
            packages[name] = f"=={version}"
    write_atomic(path, tomlkit.dumps(document))
    notes = []
    from octoup.env.builders.pipenv import pipenv_command

    try:
        command = pipenv_command()
    except OctoupError:
        notes.append("Pipfile updated; install pipenv and run `pipenv lock` to refresh Pipfile.lock")
        return path, notes
    result = subprocess.run(
        [*command, "lock"],
        cwd=path.parent,
        capture_output=True,
        text=True,
        env={**os.environ, "PIPENV_VERBOSITY": "-1", "PIPENV_NOSPIN": "1"},
    )
    if result.returncode != 0:
        notes.append(f"`pipenv lock` failed: {(result.stderr or result.stdout).strip().splitlines()[-1:]}")
    else:
        notes.append("Pipfile.lock refreshed with `pipenv lock`")
    return path, notes


def _pyproject(detection: Detection, env: Environment) -> tuple[Path, list[str]]:
    import tomlkit

    spec = detection.spec
    document = tomlkit.parse(spec.path.read_text(encoding="utf-8"))
    project = document.get("project")
    if project is None:
        raise OctoupError(
            f"{spec.path.name} has no [project] table to capture into",
            "Capture as requirements.txt instead: octoup env capture --format requirements",
        )
    dependencies = project.setdefault("dependencies", tomlkit.array())
    declared = {r.key for r in spec.requirements if r.key}
    added = []
    for key in sorted(_top_level(env)):
        installed = env.packages[key]
        if key not in declared and not installed.editable:
            dependencies.append(f"{installed.name}>={installed.version}")
            added.append(installed.name)
    write_atomic(spec.path, tomlkit.dumps(document))
    notes = [f"added to [project].dependencies: {', '.join(added)}"] if added else []
    if spec.lock_path and spec.lock_path.name == "uv.lock":
        from octoup.env.uvtool import run

        run(["lock"], cwd=spec.path.parent, what="refreshing uv.lock")
        notes.append("uv.lock refreshed with `uv lock`")
    return spec.path, notes

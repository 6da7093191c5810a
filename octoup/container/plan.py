"""Decide what an image for a project needs: base image, env file to install, Dockerfile text.

Everything here only reads files; nothing talks to docker. The Dockerfile is rendered from
``templates/docker/Dockerfile.j2`` so a user can read (``--dry-run``) exactly what will be built.
"""

from __future__ import annotations

import platform
from dataclasses import dataclass, field
from pathlib import Path

from octoup.errors import OctoupError

USER = "octo"
UID = 1000
WORKDIR = f"/home/{USER}/project"
CONDA_BASE = "mambaorg/micromamba:1.5-bookworm-slim"
KNOWN_PYTHONS = ("3.13", "3.12", "3.11", "3.10", "3.9")
DEFAULT_PYTHON = "3.11"

# where generated files sit in the build context; the project itself goes under project/
GEN = "octoup"
PROJECT = "project"


@dataclass
class ImagePlan:
    """An image to build: what the Dockerfile installs and what goes into the build context."""

    root: Path
    name: str
    tag: str
    base: str
    python: str
    source: str
    """The env file the dependencies come from (relative to the root)."""
    conda: bool
    env_text: str
    """The generated requirements.txt (pip) or environment.yml (conda) the image installs."""
    hashes: bool
    install_project: bool
    offline: bool
    ignore: list[str] = field(default_factory=list)
    ignore_source: str = ".dockerignore (octoup's default)"
    notes: list[str] = field(default_factory=list)

    @property
    def env_name(self) -> str:
        return "environment.yml" if self.conda else "requirements.txt"

    @property
    def env_file(self) -> str:
        return f"{GEN}/{self.env_name}"

    def dockerfile(self, *, project_src: str | None = f"{PROJECT}/", env_src: str = f"{GEN}/") -> str:
        """The Dockerfile text. ``env_src`` is the context folder holding the generated env file
        (and the wheelhouse when offline); the defaults match :mod:`octoup.container.context`.
        Every instruction is a layer (a full copy on some storage drivers), so there are few."""
        from octoup import __version__

        return render("Dockerfile.j2", version=__version__, source=self.source, base=self.base,
                      conda=self.conda, user=USER, uid=UID, workdir=WORKDIR, env_src=env_src,
                      offline=self.offline, hashes=self.hashes, project_src=project_src,
                      install_project=self.install_project)


def render(template: str, folder: str = "docker", **values) -> str:
    """Render ``templates/<folder>/<template>`` (strict: a missing value is an error)."""
    import jinja2

    from octoup.resources import templates_dir

    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_dir() / folder),
        keep_trailing_newline=True, undefined=jinja2.StrictUndefined, autoescape=False)
    return environment.get_template(template).render(**values)


def default_ignore(env_path: str = ".venv") -> list[str]:
    return render("dockerignore.j2", env_path=env_path.strip("/") or ".venv").splitlines()


def read_ignore(root: Path) -> tuple[list[str], str] | None:
    path = root / ".dockerignore"
    if not path.is_file():
        return None
    return path.read_text(encoding="utf-8").splitlines(), ".dockerignore"


def choose_python(request: str | None) -> str:
    """A ``3.X`` for the base image from a version or specifier the project asked for."""
    if not request:
        return DEFAULT_PYTHON
    if request[:1].isdigit():
        return ".".join(request.split(".")[:2])
    from packaging.specifiers import SpecifierSet

    allowed = SpecifierSet(request)
    for version in KNOWN_PYTHONS:
        if allowed.contains(f"{version}.0") or allowed.contains(f"{version}.99"):
            return version
    raise OctoupError(f"no Python image matches {request!r}",
                      "Pin a version in .python-version or runtime.txt, or pass --base IMAGE.")


def image_name(name: str) -> str:
    import re

    slug = re.sub(r"[^a-z0-9._-]+", "-", name.lower()).strip("-._") or "project"
    return f"octoup/{slug}"


def plan(root: Path, *, tag: str | None = None, base: str | None = None, offline: bool = False,
         file: Path | None = None) -> ImagePlan:
    """The image plan for the project at ``root`` (its env detected as ``octoup up`` does)."""
    from octoup.env import settings as env_settings
    from octoup.env.detect import detect
    from octoup.project_root import display

    detection = detect(root, file=file)
    spec = detection.spec
    if spec is None:
        raise OctoupError(
            f"{root}: no environment file found",
            "Add a requirements.txt, Pipfile(.lock), environment.yml or pyproject.toml first.")
    settings = env_settings.load(root)
    python = choose_python(settings.python_for(detection))
    source = str(display(spec.path, root))
    conda = spec.conda is not None
    name = _project_name(root)
    notes: list[str] = []
    if conda:
        if offline:
            raise OctoupError(
                f"--offline is not supported for {source} (conda packages)",
                "Build online, or describe the env with requirements.txt/Pipfile.lock for offline builds.")
        env_text = spec.path.read_text(encoding="utf-8")
        hashes = False
    else:
        env_text, hashes = requirements_text(spec, offline=offline)
        if spec.constraints:
            notes.append(f"{len(spec.constraints)} constraint(s) from -c files are not applied in the image.")
        if spec.kind in ("pipfile",):
            notes.append("Pipfile has no lock: versions are resolved at build time (run `pipenv lock`).")
    ignored = read_ignore(root) or (default_ignore(settings.path), ".dockerignore (octoup's default)")
    return ImagePlan(
        root=root, name=name, tag=tag or f"{image_name(name)}:latest",
        base=base or (CONDA_BASE if conda else f"python:{python}-slim-bookworm"),
        python=python, source=source, conda=conda, env_text=env_text, hashes=hashes,
        install_project=spec.install_project, offline=offline,
        ignore=ignored[0], ignore_source=ignored[1], notes=notes)


def requirements_text(spec, *, offline: bool) -> tuple[str, bool]:
    """A requirements.txt for the image: the env's declared (or locked) requirements.

    Locked specs keep their hashes so pip checks them (``--require-hashes``). Local paths cannot
    be installed before the code is copied, so they are refused with the line that names them.
    """
    lines: list[str] = []
    if not offline:
        lines += [" ".join(spec.index_options[i:i + 2]) for i in range(0, len(spec.index_options), 2)]
    requirements = list(spec.requirements)
    for requirement in requirements:
        if requirement.url and requirement.url.startswith(("file:", ".", "/")):
            where = f"{requirement.origin}: " if requirement.origin else ""
            raise OctoupError(
                f"{where}{requirement.text!r} is a local path, which the dependency layer cannot install",
                "Package it (pyproject.toml) so the image installs it with the project code.")
    hashes = bool(requirements) and all(r.hashes for r in requirements if r.name)
    lines += [r.line(with_hashes=hashes) for r in requirements]
    return "\n".join(lines) + "\n", hashes


def _project_name(root: Path) -> str:
    from octoup.config import load, project_name_for
    from octoup.project_root import CONFIG_FILE

    if (root / CONFIG_FILE).is_file():
        return load(root).name
    return project_name_for(root)


def machine() -> str:
    """This machine's CPU architecture in the names wheels use (x86_64, aarch64)."""
    arch = platform.machine().lower()
    return {"amd64": "x86_64", "arm64": "aarch64"}.get(arch, arch)

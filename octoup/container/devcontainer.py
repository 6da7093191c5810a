"""``.devcontainer/devcontainer.json`` (and, with ``--build``, the Dockerfile it builds) for a
project: forwarded Jupyter/MLflow ports, ``octoup up`` after creation, and hostRequirements from a
cloud-neutral size, so Codespaces, VS Code Dev Containers, DevPod and Gitpod can all open it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from octoup.compute.sizes import Size
from octoup.errors import OctoupError

FOLDER = Path(".devcontainer")


@dataclass
class Devcontainer:
    files: dict[Path, str]
    size: Size
    reason: str


def render(root: Path, *, size: str | None = None, build: bool = False) -> Devcontainer:
    from octoup import __version__
    from octoup.compute import sizes
    from octoup.container.plan import plan
    from octoup.container.plan import render as render_template

    if size:
        chosen, reason = sizes.get(size), "chosen with --size"
    else:
        recommendation = sizes.recommend(root)
        chosen, reason = recommendation.size, f"recommended: {recommendation.reason}"
    image = plan(root)
    files: dict[Path, str] = {}
    build_spec = None
    if build:
        files[root / FOLDER / image.env_name] = image.env_text
        files[root / FOLDER / "Dockerfile"] = image.dockerfile(
            project_src=None, env_src=f"{FOLDER.as_posix()}/{image.env_name}")
        build_spec = {"dockerfile": "Dockerfile", "context": ".."}
    text = render_template(
        "devcontainer.json.j2", "devcontainer", name=image.name, python=image.python,
        conda=image.conda, cpus=chosen.cpus, memory=f"{chosen.memory_gb}gb", gpu=chosen.gpus > 0,
        build=json.dumps(build_spec) if build_spec else None,
        interpreter="/opt/venv/bin/python" if build else ".venv/bin/python",
        octoup_requirement=f"octoup>={__version__}")
    json.loads(text)  # the template must always render valid JSON
    files[root / FOLDER / "devcontainer.json"] = text
    return Devcontainer(files, chosen, reason)


def write(root: Path, *, size: str | None = None, build: bool = False, force: bool = False,
          dry: bool = False) -> Devcontainer:
    """Render and (unless ``dry``) write the files; never replaces one without ``force``."""
    from octoup.project_root import display
    from octoup.textfiles import write_atomic

    result = render(root, size=size, build=build)
    if dry:
        return result
    existing = [path for path in result.files if path.exists()]
    if existing and not force:
        raise OctoupError(f"{display(existing[0], root)} already exists",
                          "Use --force to replace it (or --stdout to compare first).")
    for path, text in result.files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, text)
    return result

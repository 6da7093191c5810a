"""``create NAME``: render a template into a temporary folder, finish it there, then rename it into place.

A failed render leaves nothing behind; an existing folder is never written into unless ``force``,
and even then only files it lacks are added.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from octoup import git
from octoup.create.extras import ProjectFacts, add_missing
from octoup.create.options import (
    TemplateQuestions,
    builtin_template,
    pair_manager_and_file,
    project_names,
)
from octoup.create.render import render
from octoup.errors import OctoupError
from octoup.project_root import CONFIG_FILE


@dataclass
class Created:
    path: Path
    template: str
    git: str
    extras: list[Path] = field(default_factory=list)
    added: list[Path] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)


@dataclass(frozen=True)
class Request:
    """What ``octoup create NAME`` was asked for."""

    name: str
    output_dir: Path
    template: str | None = None
    options: dict[str, str] = field(default_factory=dict)
    no_input: bool = True
    force: bool = False
    init_git: bool = True
    checkout: str | None = None
    directory: str | None = None


def current_python() -> str:
    return f"{sys.version_info.major}.{sys.version_info.minor}"


def create(request: Request) -> Created:
    output_dir = request.output_dir.resolve()
    if not output_dir.is_dir():
        raise OctoupError(f"{output_dir} is not an existing folder",
                          "Create it first, or give a NAME inside an existing folder.")
    extra = {"project_name": request.name, **request.options}
    if request.template is None:
        TemplateQuestions.read(builtin_template()).check(request.options)
        repo, module = project_names(request.name, request.options)
        # with prompts, the template derives these from the project name the user confirms
        names = {"repo_name": repo, "module_name": module} if request.no_input else {}
        extra = pair_manager_and_file({"python_version": current_python(), **extra, **names})
        _refuse_existing(output_dir / repo, request.force)
    with tempfile.TemporaryDirectory(dir=output_dir, prefix=".octoup-create-") as scratch:
        made = render(request.template or str(builtin_template()), Path(scratch), extra=extra,
                      no_input=request.no_input, checkout=request.checkout, directory=request.directory)
        final = output_dir / made.name
        _refuse_existing(final, request.force)
        extras = add_missing(made, _facts(made, extra, builtin=request.template is None))
        if not (made / CONFIG_FILE).exists():
            from octoup.config import write_minimal

            write_minimal(made)
        if final.exists():
            added, skipped = _add_missing_files(made, final)
            return Created(final, request.template or "ccds", "left as it was (existing folder)",
                           extras=[e for e in extras if e in added], added=added, skipped=skipped)
        state = _init_git(made, output_dir) if request.init_git else "not initialised (--no-git)"
        os.rename(made, final)
    return Created(final, request.template or "ccds", state, extras=extras)


def _refuse_existing(target: Path, force: bool) -> None:
    if target.exists() and not force:
        raise OctoupError(
            f"{target} already exists",
            f"Adopt it into the layout with `octoup create --adopt {target}`, or pass --force to add "
            "only the files it lacks (nothing is overwritten or deleted).",
        )
    if target.exists() and not target.is_dir():
        raise OctoupError(f"{target} exists and is a file", "Choose another name.")


def _facts(made: Path, extra: dict[str, str], *, builtin: bool) -> ProjectFacts:
    if builtin:
        return ProjectFacts(
            name=made.name,
            python=extra["python_version"],
            conda=extra.get("dependency_file") == "environment.yml",
            tests=extra.get("testing_framework", "pytest") == "pytest",
        )
    return ProjectFacts(
        name=made.name,
        python=current_python(),
        conda=(made / "environment.yml").exists() or (made / "environment.yaml").exists(),
        tests=(made / "tests").is_dir(),
    )


def _add_missing_files(made: Path, final: Path) -> tuple[list[Path], list[Path]]:
    """Copy the files ``final`` lacks; on failure, remove the ones copied so far."""
    added: list[Path] = []
    skipped: list[Path] = []
    try:
        for path in sorted(p for p in made.rglob("*") if p.is_file()):
            relative = path.relative_to(made)
            target = final / relative
            if target.exists() or target.is_symlink():
                skipped.append(relative)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
            added.append(relative)
    except BaseException:
        for relative in added:
            (final / relative).unlink(missing_ok=True)
        raise
    return added, skipped


def _init_git(project: Path, parent: Path) -> str:
    if not git.available():
        return "git is not installed: run `git init` yourself"
    top = git.work_tree(parent)
    if top is not None:
        return f"inside the git repository at {top}: no new repository made"
    git.init(project)
    return "git repository initialised"

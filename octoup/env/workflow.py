"""The GitHub Actions workflow that runs ``octoup env check`` on every push."""

from __future__ import annotations

from pathlib import Path

from octoup import github_workflows

TARGET = Path(".github/workflows/octoup-env.yml")


def render(*, python: str, tests: bool) -> str:
    return github_workflows.render("octoup-env.yml.j2", python=python, tests=tests)


def write(root: Path, *, python: str, tests: bool, force: bool = False) -> Path:
    return github_workflows.write(root, TARGET, render(python=python, tests=tests), force=force)

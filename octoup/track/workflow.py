"""``octoup runs workflow``: the GitHub Actions workflow that builds and publishes the insights site."""

from __future__ import annotations

from pathlib import Path

from octoup import github_workflows

TARGET = Path(".github/workflows/octoup-insights.yml")


def write(root: Path, *, python: str, branch: str, force: bool = False) -> Path:
    text = github_workflows.render("octoup-insights.yml.j2", python=python, branch=branch)
    return github_workflows.write(root, TARGET, text, force=force)

"""``octoup runs workflow``: the GitHub Actions workflow that builds and publishes the insights site."""

from __future__ import annotations

from pathlib import Path

from octoup import __version__
from octoup.errors import OctoupError

TARGET = Path(".github/workflows/octoup-insights.yml")


def render(*, python: str, branch: str) -> str:
    import jinja2

    from octoup.resources import templates_dir

    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(templates_dir() / "github"),
                                     keep_trailing_newline=True, undefined=jinja2.StrictUndefined)
    return environment.get_template("octoup-insights.yml.j2").render(
        python=python, branch=branch, octoup_requirement=f"octoup>={__version__}")


def write(root: Path, *, python: str, branch: str, force: bool = False) -> Path:
    path = root / TARGET
    if path.exists() and not force:
        raise OctoupError(f"{TARGET} already exists", "Pass --force to replace it.")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(python=python, branch=branch), encoding="utf-8")
    return path

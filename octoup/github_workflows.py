"""GitHub Actions workflows rendered from ``templates/github/`` and written into a project."""

from __future__ import annotations

from pathlib import Path

from octoup import __version__
from octoup.errors import OctoupError


def render(template: str, **values) -> str:
    """The workflow ``template`` with ``values`` (plus the octoup requirement to install)."""
    import jinja2

    from octoup.resources import templates_dir

    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(templates_dir() / "github"),
                                     keep_trailing_newline=True, undefined=jinja2.StrictUndefined)
    return environment.get_template(template).render(**values, octoup_requirement=f"octoup>={__version__}")


def write(root: Path, target: Path, text: str, *, force: bool = False) -> Path:
    """Write ``text`` to ``root/target``; an existing file is replaced only with ``force``."""
    path = root / target
    if path.exists() and not force:
        raise OctoupError(f"{target} already exists", "Pass --force to replace it.")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path

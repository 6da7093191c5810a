"""Files octoup adds to any new project: a devcontainer and the GitHub Actions env-check workflow."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from octoup import __version__

DEVCONTAINER = Path(".devcontainer/devcontainer.json")


@dataclass(frozen=True)
class ProjectFacts:
    """What the extras need to know about a project."""

    name: str
    python: str
    conda: bool
    tests: bool
    interpreter: str = ".venv/bin/python"


def devcontainer(facts: ProjectFacts, *, cpus: int = 2, memory: str = "4gb") -> str:
    import jinja2

    from octoup.resources import templates_dir

    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_dir() / "devcontainer"),
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    return environment.get_template("devcontainer.json.j2").render(
        name=facts.name, python=facts.python, conda=facts.conda, cpus=cpus, memory=memory,
        interpreter=facts.interpreter,
        octoup_requirement=f"octoup>={__version__}",
    )


def files(facts: ProjectFacts) -> dict[Path, str]:
    """The devcontainer and the GitHub workflow for a project, by relative path."""
    from octoup.env import workflow

    return {
        DEVCONTAINER: devcontainer(facts),
        workflow.TARGET: workflow.render(python=facts.python, tests=facts.tests),
    }


def add_missing(project: Path, facts: ProjectFacts) -> list[Path]:
    """Write the devcontainer and workflow where the project has none; never replaces a file."""
    written = []
    for relative, text in files(facts).items():
        path = project / relative
        if path.exists():
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(relative)
    return written

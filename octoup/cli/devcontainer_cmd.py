"""``octoup devcontainer``: write .devcontainer/devcontainer.json for the project."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def devcontainer(
    folder: Annotated[Path, typer.Argument(help="Project folder (default: the current one).")] = Path("."),
    size: Annotated[str | None, typer.Option(
        "--size", help="small, medium, large or gpu: sets hostRequirements (default: recommended).")] = None,
    build: Annotated[bool, typer.Option(
        "--build", help="Build from a Dockerfile of the env instead of a stock Python image.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing devcontainer.json.")] = False,
    stdout: Annotated[bool, typer.Option("--stdout", help="Print it instead of writing it.")] = False,
) -> None:
    """A devcontainer.json that Codespaces, VS Code, DevPod and Gitpod understand."""
    from octoup.cli.output import say
    from octoup.container.devcontainer import write
    from octoup.project_root import display, project_folder

    root = project_folder(folder)
    result = write(root, size=size, build=build, force=force, dry=stdout)
    if stdout:
        for text in result.files.values():
            print(text, end="")
        return
    for path in result.files:
        say(f"wrote {display(path, root)}")
    say(f"size {result.size.name}: {result.size.cpus} cpus, {result.size.memory_gb} GB"
        + (f", {result.size.gpus} GPU" if result.size.gpus else "") + f" ({result.reason})")

"""``octoup up``: rebuild the project's environment from its env files (a no-op when current)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def up(
    folder: Annotated[Path, typer.Argument(help="Project folder (default: the current one).")] = Path("."),
    file: Annotated[
        Path | None, typer.Option("--file", "-f", help="Use this env file, whatever the precedence says.")
    ] = None,
    via: Annotated[
        str | None,
        typer.Option(
            "--via", help="Builder for environment.yml: conda, rattler or uv (default: the first available)."
        ),
    ] = None,
    with_tool: Annotated[
        str | None, typer.Option("--with", help="Install with this tool instead of uv (pipenv).")
    ] = None,
    dev: Annotated[
        bool | None,
        typer.Option(
            "--dev/--no-dev", help="Include dev packages (Pipfile dev-packages, dependency groups)."
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Rebuild even when the env is current.")] = False,
    path: Annotated[
        Path | None, typer.Option("--path", help="Where the env goes (default: env.path, .venv).")
    ] = None,
    container: Annotated[
        bool, typer.Option("--container", help="Build and enter a container (not built yet).")
    ] = False,
    cloud: Annotated[
        str | None, typer.Option("--cloud", help="Provision cloud compute (not built yet).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON summary.")] = False,
) -> None:
    """Detect the env files and build the environment; says so when it is already current."""
    from octoup.cli.output import emit_json, say
    from octoup.env.up import UpOptions
    from octoup.env.up import up as build
    from octoup.errors import NotBuiltYet, OctoupError
    from octoup.project_root import display, project_folder

    if container or cloud:
        raise NotBuiltYet("up --container" if container else "up --cloud")
    if with_tool not in (None, "pipenv", "uv"):
        raise OctoupError(f"--with {with_tool}: unknown tool", "Use --with pipenv (or leave it out for uv).")
    if with_tool and via:
        raise OctoupError(
            "--with and --via cannot be combined", "--with pipenv is for Pipfiles, --via for environment.yml."
        )
    root = project_folder(folder)
    result = build(
        root, UpOptions(file=file, via=with_tool or via, dev=dev, force=force, path=path), report=say
    )
    if as_json:
        emit_json(result)
    elif result.status == "current":
        say(
            f"{display(result.path, root)} is current ({result.source}, built with {result.builder}); "
            "nothing to do. Use --force to rebuild."
        )
    else:
        say(
            f"built {display(result.path, root)} from {result.source} with {result.builder}: "
            f"{result.packages} packages in {result.seconds:.1f} s. "
            f"Activate: source {display(result.path, root)}/bin/activate"
        )


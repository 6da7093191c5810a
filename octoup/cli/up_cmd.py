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
        bool,
        typer.Option("--container", help="Build the env into an image and run a shell (or --run) in it."),
    ] = False,
    cloud: Annotated[
        str | None, typer.Option("--cloud", help="Provision a VM on this cloud that runs `octoup up`.")
    ] = None,
    size: Annotated[
        str | None,
        typer.Option("--size", help="With --cloud: small, medium, large or gpu (default: recommended)."),
    ] = None,
    run_command: Annotated[
        str | None, typer.Option("--run", help="With --container: run this command instead of a shell.")
    ] = None,
    base: Annotated[str | None, typer.Option("--base", help="With --container: base image.")] = None,
    image: Annotated[
        str | None, typer.Option("--image", help="With --cloud: machine image (default: Debian 12).")
    ] = None,
    name: Annotated[str | None, typer.Option("--name", help="With --cloud: machine name.")] = None,
    offline: Annotated[
        bool, typer.Option("--offline", help="With --container: install from a wheelhouse built here.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON summary.")] = False,
) -> None:
    """Detect the env files and build the environment; says so when it is already current."""
    from octoup.cli.output import emit_json, say
    from octoup.env.up import UpOptions
    from octoup.env.up import up as build
    from octoup.errors import OctoupError
    from octoup.project_root import display, project_folder

    if container and cloud:
        raise OctoupError("--container and --cloud cannot be combined", "Choose one place to run.")
    if container:
        return _in_container(folder, file, base, offline, run_command)
    if cloud:
        return _on_cloud(folder, cloud, size, image, name, as_json)
    if size or image or name or run_command or base or offline:
        raise OctoupError("--size, --image and --name need --cloud; "
                          "--run, --base and --offline need --container",
                          "Add --cloud NAME or --container.")
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



def _in_container(folder: Path, file: Path | None, base: str | None, offline: bool,
                  command: str | None) -> None:
    """Build the image (cached layers make this quick) and run a command or a shell in it."""
    import os
    import shlex
    import shutil
    import sys

    from octoup.cli.container_cmd import plan_for
    from octoup.cli.output import say
    from octoup.container.build import build, run, shell_argv
    from octoup.errors import OctoupError

    image = plan_for(folder, None, base, offline, file)
    network = "none" if offline else None
    if command is None and not sys.stdin.isatty():
        raise OctoupError("no terminal for an interactive shell", 'Give a command: --run "python train.py".')
    result = build(image, report=say)
    say(f"built {result.tag} in {result.seconds:.1f} s "
        f"({result.cached_steps} of {result.steps} steps cached)")
    if command is None:
        if not shutil.which("docker"):
            raise OctoupError("an interactive shell needs the docker CLI", 'Install it, or use --run "CMD".')
        argv = shell_argv(image, ["bash"], network)
        os.execvp(argv[0], argv)
    code = run(image, shlex.split(command), network=network, report=print)
    if code:
        raise typer.Exit(code)


def _on_cloud(folder: Path, cloud: str, size: str | None, image: str | None, name: str | None,
              as_json: bool) -> None:
    from octoup.cli.compute_cmd import provision

    provision(folder, cloud, size, image=image, name=name, as_json=as_json)

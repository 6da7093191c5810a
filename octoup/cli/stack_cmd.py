"""``octoup stack``: the project's Pulumi stack: preview offline, export, apply, destroy."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="Preview, export, apply or destroy the project's Pulumi stack.",
                  no_args_is_help=True, rich_markup_mode=None)

CloudOpt = Annotated[str | None, typer.Option("--cloud", help="aws, gcp or azure (default: the project's).")]
SizeOpt = Annotated[str | None, typer.Option(
    "--size", help="Add a machine of this size (small, medium, large, gpu).")]
ImageOpt = Annotated[str | None, typer.Option("--image", help="Machine image (default: Debian 12).")]


def _params(cloud: str | None, size: str | None, image: str | None):
    from octoup.config import open_project
    from octoup.iac.params import build, check_cloud

    project = open_project(Path.cwd(), create=False)
    name = cloud or project.config.project.default_cloud
    check_cloud(name)
    return project, build(project, name, size=size, image=image)


@app.command()
def preview(cloud: CloudOpt = None, size: SizeOpt = None, image: ImageOpt = None,
            no_live: Annotated[bool, typer.Option("--no-live", help="Do not read the live state.")] = False,
            as_json: Annotated[bool, typer.Option("--json", help="Print the plan as JSON.")] = False) -> None:
    """Run the stack's Pulumi program under mocks and diff it against the live state: no Pulumi CLI,
    no engine, nothing changed."""
    from octoup.cli.output import emit_json
    from octoup.iac.mocked import desired
    from octoup.iac.plan import diff, read_live, render

    project, params = _params(cloud, size, image)
    wanted = desired(params)
    live = None if no_live else read_live(project, params, wanted)
    plan = diff(params, wanted, live)
    if as_json:
        emit_json({"plan": plan, "resources": wanted})
        return
    print(render(plan), end="")


@app.command("export")
def export_cmd(folder: Annotated[Path, typer.Argument(help="Empty folder for the Pulumi project.")],
               cloud: CloudOpt = None, size: SizeOpt = None, image: ImageOpt = None,
               force: Annotated[bool, typer.Option("--force", help="Write into a non-empty folder.")] = False,
               ) -> None:
    """Write a standalone Pulumi project (run it with `pulumi up` there)."""
    from octoup.cli.output import say
    from octoup.iac.export import export

    _, params = _params(cloud, size, image)
    for path in export(params, folder, force=force):
        say(f"wrote {path}")
    say(f"next: cd {folder} && pulumi stack init {params.name} && pulumi up")


def _apply(cloud: str | None, size: str | None, image: str | None, destroy: bool) -> None:
    from octoup.iac.apply import apply, require_cli

    require_cli()
    project, params = _params(cloud, size, image)
    outputs = apply(params, project.root / ".octoup" / "stack" / params.cloud, destroy=destroy)
    for key, value in outputs.items():
        print(f"{key}: {value}")


@app.command()
def up(cloud: CloudOpt = None, size: SizeOpt = None, image: ImageOpt = None) -> None:
    """Create or update the stack with the Pulumi Automation API (needs the Pulumi CLI)."""
    _apply(cloud, size, image, destroy=False)


@app.command()
def destroy(cloud: CloudOpt = None) -> None:
    """Delete everything the stack made (needs the Pulumi CLI)."""
    _apply(cloud, None, None, destroy=True)

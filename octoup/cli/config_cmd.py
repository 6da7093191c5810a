"""``octoup config show|get|set``: read and write octoup.toml."""

from __future__ import annotations

from typing import Annotated

import typer

app = typer.Typer(help="Read and write the project's octoup.toml.", no_args_is_help=True,
                  rich_markup_mode=None)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]


@app.command("show")
def show(as_json: JsonOpt = False) -> None:
    """Print the merged configuration (octoup.toml + octoup.local.toml)."""
    from octoup import config
    from octoup.cli.output import console, emit_json, say

    project = config.open_project(announce=say)
    data = config.deep_merge(project.raw["main"], project.raw["local"])
    if as_json:
        emit_json({"root": str(project.root), "config": data})
        return
    console().print(f"# {project.root / config.CONFIG_FILE}", markup=False)
    for key, value in config.iter_flat(data):
        console().print(f"{key} = {value!r}", markup=False)


@app.command("get")
def get(key: str, as_json: JsonOpt = False) -> None:
    """Print one value (for example clouds.aws.region)."""
    from octoup import config
    from octoup.cli.output import emit_json, say

    value = config.get_value(config.open_project(announce=say), key)
    if as_json:
        emit_json(value)
    else:
        print(value)


@app.command("set")
def set_(
    key: str,
    value: str,
    local: Annotated[bool, typer.Option("--local", help="Write to octoup.local.toml "
                                        "(this machine only, git-ignored).")] = False,
) -> None:
    """Set one value (TOML numbers, booleans and arrays are parsed; the rest is text)."""
    from octoup import config
    from octoup.cli.output import say

    project = config.open_project(announce=say)
    path = config.set_value(project.root, key, config.parse_value(value), local=local)
    say(f"Set {key} in {path.name}.")

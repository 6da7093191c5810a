"""Command groups the design names that are not built yet: listed in --help, and they say so."""

from __future__ import annotations

import typer

PLANNED = {
    "clone": "Clone a repository and copy its data into your own bucket.",
    "init": "Re-apply per-clone git and LFS configuration.",
    "status": "Say what changed and should be committed (env, runs, data).",
    "run": "Run a script or notebook with tracking.",
    "runs": "List tracked runs and build the insights dashboard.",
    "container": "Build a container image from the detected environment.",
    "devcontainer": "Write .devcontainer/devcontainer.json for the project.",
    "stack": "Preview, export, apply or destroy the project's Pulumi stack.",
    "compute": "List, inspect, connect to and tear down cloud VMs.",
}


def _make(name: str):
    def command(ctx: typer.Context) -> None:
        from octoup.errors import NotBuiltYet

        raise NotBuiltYet(name)

    command.__doc__ = f"{PLANNED[name]} (not built yet)"
    return command


def register(app: typer.Typer) -> None:
    for name in PLANNED:
        app.command(name, context_settings={"allow_extra_args": True,
                                            "ignore_unknown_options": True},
                    rich_help_panel="Not built yet")(_make(name))

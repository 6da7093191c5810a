"""Commands the design names that are not built yet: listed in --help, and they say so when run."""

from __future__ import annotations

import typer

PLANNED = {
}

PLANNED_DATA = {
    "show": "An offline HTML profile of a dataset.",
}


def _make(name: str, summary: str):
    def command(ctx: typer.Context) -> None:
        from octoup.errors import NotBuiltYet

        raise NotBuiltYet(name)

    command.__doc__ = f"{summary} (not built yet)"
    return command


def register(app: typer.Typer, planned: dict[str, str] = PLANNED, *, group: str = "") -> None:
    """Add each planned command to ``app`` (``group`` is the parent command's name, for messages)."""
    for name, summary in planned.items():
        app.command(name, context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
                    rich_help_panel="Not built yet")(_make(f"{group} {name}".strip(), summary))

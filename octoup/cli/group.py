"""Plain, fast help (no rich import at start-up) with commands listed by section."""

from __future__ import annotations

import typer.core


class SectionedGroup(typer.core.TyperGroup):
    """Lists commands under their ``rich_help_panel`` (e.g. "Git for data") in plain text."""

    def format_commands(self, ctx, formatter) -> None:
        sections: dict[str, list[tuple[str, str]]] = {}
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is None or command.hidden:
                continue
            section = getattr(command, "rich_help_panel", None) or "Commands"
            sections.setdefault(section, []).append((name, command.get_short_help_str(200)))
        for section, rows in sections.items():
            with formatter.section(section):
                formatter.write_dl(rows)

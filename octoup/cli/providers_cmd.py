"""``octoup providers``: installed providers, their capabilities and credential status."""

from __future__ import annotations

from typing import Annotated

import typer


def providers(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    no_check: Annotated[bool, typer.Option("--no-check",
                                           help="Skip the credential checks.")] = False,
) -> None:
    """List the cloud providers: installed or not, capabilities, credentials."""
    from octoup.cli.output import console, emit_json, table
    from octoup.providers_report import report

    rows = report(check_credentials=not no_check)
    if as_json:
        emit_json(rows)
        return
    table("octoup providers", ["cloud", "installed", "credentials", "capabilities"],
          [[r.name, r.distribution if r.installed else "no", r.credentials_text,
            ", ".join(r.capabilities)] for r in rows])
    for r in rows:
        fix = r.install_hint if not r.installed else r.credentials_hint
        if fix:
            console().print(f"{r.name}: {fix}", markup=False, highlight=False)

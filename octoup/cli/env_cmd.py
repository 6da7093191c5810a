"""``octoup env``: show detection, check drift, diff and capture the live environment."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="Detect, check, diff and capture environments.", no_args_is_help=True,
                  rich_markup_mode=None)

FolderArg = Annotated[Path, typer.Argument(help="Project folder (default: the current one).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]


@app.command()
def detect(
    folder: FolderArg = Path("."),
    file: Annotated[Path | None, typer.Option("--file", "-f", help="Force this env file.")] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Fail when two env files disagree.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Which env file defines the env, which were ignored and why, and the Python version."""
    from octoup.cli.output import emit_json, say, table
    from octoup.env.detect import detect as run_detect
    from octoup.project_root import project_folder

    detection = run_detect(project_folder(folder), file=file, strict=strict)
    spec = detection.spec
    if as_json:
        emit_json({
            "root": str(detection.root), "env_folder": str(detection.folder), "winner": detection.winner,
            "kind": spec.kind if spec else None,
            "python": {"version": detection.python.version, "from": str(detection.python.origin)}
            if detection.python else None,
            "files": detection.files, "conflicts": detection.conflicts,
            "requirements": [r.line(with_hashes=False) for r in spec.requirements] if spec else [],
            "dev_requirements": [r.line(with_hashes=False) for r in spec.dev_requirements] if spec else [],
            "conda": {"channels": spec.conda.channels, "specs": [t for t, _ in spec.conda.specs]}
            if spec and spec.conda else None,
            "locked": bool(spec and (spec.locked or spec.lock_pins)),
        })
        return
    if spec is None:
        from octoup.env.up import FORMATS_HINT

        say(f"no environment files found in {detection.root}. {FORMATS_HINT}")
        raise typer.Exit(1)
    table(None, ["file", "format", "used", "why"],
          [[f.path, f.format, "yes" if f.used else "no", f.reason] for f in detection.files])
    count = len(spec.requirements) + (len(spec.conda.specs) if spec.conda else 0)
    python = (f"python {detection.python.version} (from {detection.python.origin})" if detection.python
              else "python: not pinned (uv picks the default interpreter)")
    say(f"env: {detection.winner} ({spec.kind}, {count} packages{', locked' if spec.locked else ''}); {python}")
    for conflict in detection.conflicts:
        say(f"warning: env files disagree: {conflict} (--strict makes this an error)")

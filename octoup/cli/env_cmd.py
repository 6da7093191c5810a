"""``octoup env``: show detection, check drift, diff and capture the live environment."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    help="Detect, check, diff and capture environments.", no_args_is_help=True, rich_markup_mode=None
)

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
        emit_json(
            {
                "root": str(detection.root),
                "env_folder": str(detection.folder),
                "winner": detection.winner,
                "kind": spec.kind if spec else None,
                "python": {"version": detection.python.version, "from": str(detection.python.origin)}
                if detection.python
                else None,
                "files": detection.files,
                "conflicts": detection.conflicts,
                "requirements": [r.line(with_hashes=False) for r in spec.requirements] if spec else [],
                "dev_requirements": [r.line(with_hashes=False) for r in spec.dev_requirements]
                if spec
                else [],
                "conda": {"channels": spec.conda.channels, "specs": [t for t, _ in spec.conda.specs]}
                if spec and spec.conda
                else None,
                "locked": bool(spec and (spec.locked or spec.lock_pins)),
            }
        )
        return
    if spec is None:
        from octoup.env.up import FORMATS_HINT

        say(f"no environment files found in {detection.root}. {FORMATS_HINT}")
        raise typer.Exit(1)
    table(
        None,
        ["file", "format", "used", "why"],
        [[f.path, f.format, "yes" if f.used else "no", f.reason] for f in detection.files],
    )
    count = len(spec.requirements) + (len(spec.conda.specs) if spec.conda else 0)
    python = (
        f"python {detection.python.version} (from {detection.python.origin})"
        if detection.python
        else "python: not pinned (uv picks the default interpreter)"
    )
    say(
        f"env: {detection.winner} ({spec.kind}, {count} packages"
        f"{', locked' if spec.locked else ''}); {python}"
    )
    for conflict in detection.conflicts:
        say(f"warning: env files disagree: {conflict} (--strict makes this an error)")


EnvOpt = Annotated[
    Path | None,
    typer.Option("--env", help="Env folder to look at (default: the project's env, else the active one)."),
]


@app.command()
def check(
    folder: FolderArg = Path("."),
    env: EnvOpt = None,
    model: Annotated[
        Path | None, typer.Option("--model", help="MLflow model folder whose requirements the env must meet.")
    ] = None,
    dev: Annotated[bool, typer.Option("--dev", help="Also check dev packages.")] = False,
    strict: Annotated[bool, typer.Option("--strict", help="Env files that disagree are drift too.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Declared vs locked vs installed (and a model's requirements). Exit 0 clean, 1 drift."""
    from octoup.cli.output import emit_json, say, table
    from octoup.env.detect import detect as run_detect
    from octoup.env.drift import check as run_check
    from octoup.env.drift import staleness
    from octoup.env.model import compare
    from octoup.env.resolve_env import target_env
    from octoup.project_root import project_folder

    root = project_folder(folder)
    environment = target_env(root, env)
    detection = run_detect(root, strict=strict)
    report = run_check(detection, environment, dev=dev)
    report.stale = staleness(detection, environment)
    if model is not None:
        report.model = compare(model, environment)
    if as_json:
        emit_json(
            {
                "clean": report.clean,
                "env": str(report.env),
                "source": report.source,
                "stale": report.stale,
                "rows": report.rows,
                "model": report.model,
            }
        )
    else:
        rows = report.problems if report.problems else []
        if rows:
            table(
                None,
                ["package", "declared", "locked", "installed", "status", "where"],
                [[r.package, r.declared, r.locked, r.installed, r.status, r.where] for r in rows],
            )
        if report.stale:
            say(f"stale: {report.stale}; run `octoup up`")
        mismatched = [r for r in report.model if r.status != "ok"]
        if mismatched:
            say(
                f"warning: {len(mismatched)} of the model's requirements do not match "
                f"{environment.prefix.name}: "
                + ", ".join(
                    f"{r.package} (current: {r.installed or 'missing'}, required: {r.declared})"
                    for r in mismatched
                )
            )
        checked = len(report.rows) + len(report.model)
        say(
            f"{environment.prefix.name}: {checked} packages checked against {report.source or 'nothing'}"
            + (f" and {model}" if model else "")
            + ": "
            + (
                "clean"
                if report.clean
                else f"{len(report.problems)} problem(s)" + (" and a stale env" if report.stale else "")
            )
        )
    if not report.clean:
        raise typer.Exit(1)


@app.command()
def diff(
    folder: FolderArg = Path("."),
    env: EnvOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """What changed in the env since its packages were last captured. Exit 1 when something did."""
    from octoup.cli.output import emit_json, say, table
    from octoup.env.detect import detect as run_detect
    from octoup.env.drift import diff as run_diff
    from octoup.env.resolve_env import target_env
    from octoup.errors import OctoupError
    from octoup.project_root import project_folder

    root = project_folder(folder)
    environment = target_env(root, env)
    detection = run_detect(root)
    if detection.spec is None:
        raise OctoupError(
            "nothing captured yet: the project has no env file", "Run `octoup env capture` to write one."
        )
    changes = run_diff(detection.spec, environment)
    if as_json:
        emit_json(
            {
                "captured_in": changes.captured_in,
                "summary": changes.summary(),
                "added": changes.added,
                "removed": changes.removed,
                "changed": changes.changed,
            }
        )
    else:
        rows = (
            [[n, "", v, "added"] for n, v in changes.added.items()]
            + [[n, old, new, "changed"] for n, (old, new) in changes.changed.items()]
            + [[n, v, "", "removed"] for n, v in changes.removed.items()]
        )
        if rows:
            table(None, ["package", "captured", "installed", "change"], rows)
        say(
            f"{changes.summary()} since {changes.captured_in} was captured"
            + ("" if changes.empty else f"; run `octoup env capture` and commit {changes.captured_in}")
        )
    if not changes.empty:
        raise typer.Exit(1)


@app.command()
def capture(
    folder: FolderArg = Path("."),
    env: EnvOpt = None,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format", help="requirements, conda, pipfile or pyproject (default: the project's own)."
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Write the live env back into the project's env file (pins), then remind to commit it."""
    from octoup.cli.output import emit_json, say
    from octoup.env.capture import FORMATS
    from octoup.env.capture import capture as run_capture
    from octoup.env.detect import detect as run_detect
    from octoup.env.resolve_env import target_env
    from octoup.errors import OctoupError
    from octoup.project_root import project_folder

    if fmt is not None and fmt not in FORMATS:
        raise OctoupError(f"--format {fmt}: unknown format", f"Use one of: {', '.join(FORMATS)}.")
    root = project_folder(folder)
    environment = target_env(root, env)
    result = run_capture(run_detect(root), environment, fmt=fmt)
    shown = result.path.relative_to(root) if result.path.is_relative_to(root) else result.path
    if as_json:
        emit_json({"path": str(shown), "summary": result.changes.summary(), "notes": result.notes})
        return
    for note in result.notes:
        say(note)
    say(
        f"wrote {shown} from {environment.prefix.name} ({result.changes.summary()}). "
        f"Commit it: git add {shown} && git commit -m 'Capture environment'"
    )


@app.command()
def workflow(
    folder: FolderArg = Path("."),
    python: Annotated[
        str | None,
        typer.Option(
            "--python", help="Python for the CI job (default: what the project asks for, else 3.11)."
        ),
    ] = None,
    tests: Annotated[bool, typer.Option("--tests/--no-tests", help="Also run pytest.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing workflow.")] = False,
) -> None:
    """Write .github/workflows/octoup-env.yml: rebuild the env and `octoup env check` on every push."""
    from octoup.cli.output import say
    from octoup.env.detect import detect as run_detect
    from octoup.env.workflow import write
    from octoup.project_root import project_folder

    root = project_folder(folder)
    if python is None:
        detection = run_detect(root)
        request = detection.python
        python = request.version if request and not request.is_specifier else "3.11"
    path = write(root, python=python, tests=tests, force=force)
    say(f"wrote {path.relative_to(root)}; commit it to check the env on every push")

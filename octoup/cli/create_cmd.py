"""``octoup create``: a new cookiecutter-data-science project, or ``--adopt`` an existing folder."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer


def create(
    name: Annotated[
        str | None,
        typer.Argument(help="Project name (a new folder is made for it); with --adopt, the folder to "
                            "adopt (default: the current one).", show_default=False),
    ] = None,
    adopt: Annotated[bool, typer.Option("--adopt", help="Move an existing folder into the layout.")] = False,
    template: Annotated[
        str | None,
        typer.Option("--template", "-t", help="Any cookiecutter template: a folder, git URL or zip "
                                              "(default: octoup's ccds template)."),
    ] = None,
    checkout: Annotated[str | None, typer.Option("--checkout", help="Branch, tag or commit of a git "
                                                                     "template.")] = None,
    directory: Annotated[str | None, typer.Option("--directory", help="Template folder inside the "
                                                                       "repository.")] = None,
    option: Annotated[
        list[str] | None,
        typer.Option("--option", "-o", help="Template option KEY=VALUE (repeatable), e.g. "
                                            "-o dependency_file=pyproject.toml."),
    ] = None,
    no_input: Annotated[bool, typer.Option("--no-input", help="Do not prompt: use the defaults and "
                                                              "--option values.")] = False,
    force: Annotated[
        bool,
        typer.Option("--force", help="Go ahead in an existing project; only adds missing files, "
                                     "never overwrites or deletes."),
    ] = False,
    no_git: Annotated[bool, typer.Option("--no-git", help="Do not run git init.")] = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="With --adopt: print the plan only.")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="With --adopt: apply without asking.")] = False,
    keep: Annotated[
        list[str] | None,
        typer.Option("--keep", help="With --adopt: leave this file or folder where it is (repeatable)."),
    ] = None,
    large: Annotated[str, typer.Option("--large", help="With --adopt: files at least this big are "
                                                       "git-ignored and listed for `octoup data track`.")]
    = "50MB",
    rewrite_paths: Annotated[
        bool,
        typer.Option("--rewrite-paths", help="With --adopt: rewrite string literals in scripts and "
                                             "notebooks that name a moved file."),
    ] = False,
    capture: Annotated[
        bool,
        typer.Option("--capture", help="With --adopt: pin the active env's packages into the project's "
                                       "env file (done anyway when it has none)."),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON summary.")] = False,
) -> None:
    """Scaffold a cookiecutter-data-science project, or adopt a folder into one."""
    from octoup.cli.sizes import parse_size
    from octoup.create.options import parse_pairs
    from octoup.errors import OctoupError

    options = parse_pairs(option or [])
    if adopt:
        if template:
            raise OctoupError("--adopt works with octoup's own layout only, not --template",
                              "Leave out --template, or create a new project from the template.")
        _adopt(Path(name or "."), options, keep=keep or [], force=force, dry_run=dry_run, yes=yes,
               init_git=not no_git, large_bytes=parse_size(large, "--large"), rewrite_paths=rewrite_paths,
               capture=capture, as_json=as_json)
        return
    if dry_run or keep or rewrite_paths or capture:
        raise OctoupError("--dry-run, --keep, --rewrite-paths and --capture go with --adopt",
                          "Add --adopt, or leave them out.")
    if not name:
        raise OctoupError("give the new project's NAME, or --adopt to adopt a folder",
                          "For example: octoup create wine-quality")
    _new(name, template, options, checkout=checkout, directory=directory,
         no_input=no_input or not sys.stdin.isatty(), force=force, init_git=not no_git, as_json=as_json)


def _new(name: str, template: str | None, options: dict[str, str], **kwargs) -> None:
    from octoup.cli.output import emit_json, say
    from octoup.create.scaffold import Request, create
    from octoup.project_root import display

    as_json = kwargs.pop("as_json")
    where = Path(name)
    created = create(Request(name=where.name, output_dir=where.parent, template=template,
                             options=options, **kwargs))
    if as_json:
        emit_json(created)
        return
    shown = display(created.path, Path.cwd())
    if created.added or created.skipped:
        say(f"{shown} already existed: added {len(created.added)} missing file(s), kept "
            f"{len(created.skipped)} of yours unchanged.")
        for path in created.added:
            say(f"  added {path}")
        return
    say(f"Created {shown}/ from the {created.template} template; {created.git}.")
    say("Next:")
    say(f"  cd {shown}")
    say("  octoup up                 # build the environment")
    say("  git add . && git commit -m 'Start the project'")


def _adopt(folder: Path, options: dict[str, str], *, keep: list[str], force: bool, dry_run: bool,
           yes: bool, init_git: bool, large_bytes: int, rewrite_paths: bool, capture: bool,
           as_json: bool) -> None:
    from octoup.cli.output import emit_json, say
    from octoup.create.adopt import AdoptConflict, apply, plan_adoption
    from octoup.project_root import display

    plan = plan_adoption(folder, options=options, keep=keep, force=force, large_bytes=large_bytes,
                         rewrite_paths=rewrite_paths, capture=capture)
    if as_json:
        emit_json({"root": plan.root, "module": plan.module, "steps": plan.steps,
                   "large_files": [{"path": p, "bytes": n} for p, n in plan.large],
                   "dry_run": dry_run})
    else:
        _show_plan(plan)
    if plan.conflicts:
        raise AdoptConflict(plan)
    if dry_run:
        if not as_json:
            say("Dry run: nothing was changed.")
        return
    if not yes and sys.stdin.isatty() and not typer.confirm("Apply this plan?", default=True):
        say("Nothing was changed.")
        raise typer.Exit(1)
    applied = apply(plan, init_git=init_git)
    if as_json:
        return
    edited = f", edited {len(plan.edits)}" if plan.edits else ""
    say(f"Adopted {display(plan.root, Path.cwd())}: moved {applied.moved}{edited}, "
        f"added {applied.added} file(s); "
        f"{applied.git}.")
    if applied.captured:
        say(f"Wrote {applied.captured.name} from the active environment {plan.capture_from}.")
    _next_steps(plan)


def _show_plan(plan) -> None:
    from octoup.cli.output import say, table
    from octoup.project_root import display

    order = {"conflict": 0, "move": 1, "edit": 2, "warn": 3, "capture": 4, "add": 5, "update": 6, "keep": 7,
             "skip": 8}
    listed = {s.path for s in plan.steps if s.action != "skip"}
    steps = [s for s in sorted(plan.steps, key=lambda s: order[s.action])
             if not (s.action == "skip" and s.path in listed)]
    folders = [s.path.removesuffix("/.gitkeep") for s in steps
               if s.action == "add" and s.path.endswith("/.gitkeep")]
    rows = [[s.action, s.path, s.to or "", s.note] for s in steps
            if not (s.action == "add" and s.path.endswith("/.gitkeep"))]
    if folders:
        at = next(i for i, row in enumerate(rows) if row[0] in ("add", "update", "keep", "skip"))
        rows.insert(at, ["add", f"{len(folders)} folders", "", f"{', '.join(folders)} (a .gitkeep keeps "
                                                                "each in git)"])
    table(f"Plan for {display(plan.root, Path.cwd())} (module: {plan.module})",
          ["action", "path", "to", "why"], rows)
    if plan.large:
        say(f"{len(plan.large)} large file(s) stay out of git:")
        for path, size in plan.large:
            say(f"  {path} ({size / 1e6:.1f} MB)")


def _next_steps(plan) -> None:
    from octoup.cli.output import say

    say("data/ is ignored by git, as the layout wants: data lives in data/raw locally and in the "
        "project's bucket.")
    if plan.large:
        say("Large files to keep in the project's bucket: octoup data track "
            + " ".join(path for path, _ in plan.large))
    say("Next: octoup up (build the env), then git commit and push.")


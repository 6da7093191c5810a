"""``octoup clone`` and ``octoup init``: a repository with its data in a bucket of your choice."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer


def _choose_cloud() -> str:
    """Ask which cloud to copy the data to (on a terminal); the installed ones, credentials shown."""
    from octoup import registry

    names = sorted(registry.installed())
    rows = []
    for i, name in enumerate(names, 1):
        status = registry.storage(name).check_credentials()
        found = f"credentials: {status.source}" if status.ok else "no credentials yet"
        rows.append(f"  {i}. {name:<9} {found}")
    typer.echo("Copy the data into a new bucket on which cloud?\n" + "\n".join(rows), err=True)
    picked = typer.prompt("Cloud (name or number)", err=True)
    return names[int(picked) - 1] if picked.isdigit() and 0 < int(picked) <= len(names) else picked


def clone(
    url: Annotated[str, typer.Argument(help="Repository to clone (any URL or path git accepts).")],
    folder: Annotated[Path | None, typer.Argument(help="Where to clone (default: from the URL).")] = None,
    copy_data: Annotated[bool, typer.Option("--copy-data", help="Copy every data object the history "
                                                                "references into a new bucket.")] = False,
    cloud: Annotated[str | None, typer.Option("--cloud", "-c", help="Cloud for the copy (asked on a "
                                                                    "terminal when missing).")] = None,
    bucket: Annotated[str | None, typer.Option("--bucket", "-b", help="Bucket for the copy (default: "
                                                                      "<project>-data-<random>).")] = None,
    project_store: Annotated[bool | None, typer.Option("--project-store/--this-clone-only",
                                                       help="Record the copy as the project's store in "
                                                            "octoup.toml (to commit), or only in "
                                                            "octoup.local.toml.")] = None,
    rev: Annotated[list[str] | None, typer.Option("--rev", help="Copy only objects these revisions reference "
                                                                "(default: all branches).")] = None,
    include: Annotated[list[str] | None, typer.Option("--include", "-I", help="Check out only data files "
                                                                              "matching this glob.")] = None,
    no_data: Annotated[bool, typer.Option("--no-data", help="Check out pointers only; fetch later "
                                                            "with `octoup data pull PATH`.")] = False,
) -> None:
    """Clone a repository, optionally copy its data into your own bucket, then check the data out."""
    from octoup.cli.output import say
    from octoup.cli.progress import TransferReport
    from octoup.errors import OctoupError
    from octoup.gitdata.clone import CloneOptions
    from octoup.gitdata.clone import clone as run

    if (cloud or bucket or project_store is not None or rev) and not copy_data:
        raise OctoupError("--cloud, --bucket, --project-store and --rev only apply with --copy-data",
                          "Add --copy-data to copy the data into a new bucket.")
    if copy_data and cloud is None:
        if not sys.stdin.isatty():
            raise OctoupError("--copy-data needs --cloud (no terminal to ask on)",
                              "Add --cloud local|aws|gcp|azure|libcloud (`octoup providers` lists them).")
        cloud = _choose_cloud()
    if copy_data and project_store is None:
        project_store = sys.stdin.isatty() and typer.confirm(
            "Make the copy the project's data store for everyone (octoup.toml, to commit)?", default=False,
            err=True)
    target = folder or Path(url.rstrip("/").rsplit("/", 1)[-1].removesuffix(".git") or "repo")
    options = CloneOptions(url, target, copy_data, cloud, bucket, bool(project_store), tuple(rev or ()),
                           tuple(include or ()), not no_data)
    with TransferReport("copy data") as report:
        summary = run(options, report, announce=say)
    if summary.copy:
        c = summary.copy
        how = "server-side" if c.server_side else "streamed"
        say(f"Copied {c.copied} object(s) ({c.bytes_copied / 1e6:,.1f} MB, {how}) to {c.target} in "
            f"{c.seconds:.1f} s; {c.skipped} already there.")
        if c.missing:
            say(f"Warning: {len(c.missing)} object(s) the history references are not in {c.source} (never "
                f"pushed?): {', '.join(o[:12] for o in c.missing[:5])}.")
        where = "octoup.toml and octoup.local.toml (commit octoup.toml)" if project_store else \
            "octoup.local.toml (this clone only)"
        say(f"This clone now reads and writes its data in {c.target}: recorded in {where}.")
    data = ("data checked out" + (f" ({', '.join(options.include)})" if options.include else "")
            if summary.data_checked_out else "pointers only")
    say(f"Cloned into {summary.folder}" + (f": {data} from {summary.store}." if summary.store else "."))


def init() -> None:
    """Re-apply this clone's git-lfs agent settings and hooks (after a plain `git clone`)."""
    from octoup.cli.output import say
    from octoup.gitdata.track import init as run

    summary = run()
    say(f"Configured {summary.root}: " + (", ".join(summary.configured) if summary.configured
                                          else "already up to date") + ".")
    if summary.store:
        say(f"Data store: {summary.store}. Fetch data with `git lfs pull` or `octoup data pull PATH`.")
    if summary.store_missing:
        say(f"Warning: {summary.store_missing}")

"""``octoup data track/lock/unlock/locks/log`` and ``data pull PATH --rev``: git for data."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

JsonOpt = Annotated[bool, typer.Option("--json", help="Print a JSON summary.")]


def _store():
    """(repository root, the project's store)."""
    from octoup import config
    from octoup.gitdata import repo
    from octoup.gitdata.agent import NotConfigured
    from octoup.gitdata.store import locate
    from octoup.project_root import find_root

    root = repo.top()
    project_root = find_root(Path.cwd())
    if project_root is None:
        raise NotConfigured(Path.cwd())
    return root, locate(config.load(project_root))


def track(
    patterns: Annotated[list[str], typer.Argument(help="Files or globs, as for .gitattributes "
                                                       "(e.g. 'data/**' or '*.parquet').")],
    cloud: Annotated[str | None, typer.Option("--cloud", "-c", help="Cloud for the data (default: the "
                                                                    "project's, else local).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Send matching files to the project's bucket with plain `git add` / `git push` (git-lfs + octoup)."""
    from octoup.cli.output import emit_json, say
    from octoup.gitdata.track import track as run

    summary = run(patterns, cloud, announce=say)
    if as_json:
        emit_json(summary)
        return
    if summary.bucket_created:
        say(f"Created bucket {summary.store.rsplit('/', 2)[0]}/ for the project's data.")
    say(f"Tracking {', '.join(summary.patterns)}: `git add` stores pointers in git, `git push` puts the "
        f"bytes in {summary.store}.")
    if summary.recorded:
        say(f"Recorded the store in octoup.toml ({', '.join(summary.recorded)}).")
    if summary.ignored:
        shown = ", ".join(summary.ignored[:5]) + (" ..." if len(summary.ignored) > 5 else "")
        # a pattern with a slash is anchored at the top, as in .gitattributes; one without matches anywhere
        lines = "".join(f"\n  !{'/' + p.lstrip('/') if '/' in p.strip('/') else p}" for p in patterns)
        say(f"Note: {len(summary.ignored)} matching file(s) are hidden from git ({shown}) by "
            f"{summary.ignore_rule or '.gitignore'}. Add these lines to .gitignore so `git add` takes them:"
            f"{lines}")
    say("Commit .gitattributes and octoup.toml. Other clones run `octoup init` once (or use `octoup clone`).")


def _path(root: Path, path: str) -> str:
    from octoup.gitdata.history import repo_path

    return repo_path(root, path)


def lock(
    path: Annotated[str, typer.Argument(help="Data file to lock.")],
    as_json: JsonOpt = False,
) -> None:
    """Lock a data file: pushes that change it are refused for everyone else until you unlock it."""
    from octoup.cli.output import emit_json, say
    from octoup.gitdata.locks import identity
    from octoup.gitdata.locks import lock as run

    root, store = _store()
    held, new = run(store, _path(root, path), identity(root))
    if as_json:
        emit_json({"path": held.path, "owner": held.owner, "created": held.created, "new": new})
        return
    say(f"Locked {held.path} for {held.owner}." if new else
        f"{held.path} was already locked by you ({held.owner}, since {held.created}).")


def unlock(
    path: Annotated[str, typer.Argument(help="Data file to unlock.")],
    force: Annotated[bool, typer.Option("--force", help="Break someone else's (stale) lock.")] = False,
) -> None:
    """Release a lock taken with `octoup data lock`."""
    from octoup.cli.output import say
    from octoup.gitdata.locks import identity
    from octoup.gitdata.locks import unlock as run

    root, store = _store()
    released = run(store, _path(root, path), identity(root), force=force)
    say(f"Unlocked {released.path} (was locked by {released.owner}).")


def locks(as_json: JsonOpt = False) -> None:
    """List the data locks in the project's store."""
    from octoup.cli.output import emit_json, say, table
    from octoup.gitdata.locks import list_locks

    _, store = _store()
    found = list_locks(store)
    if as_json:
        emit_json([{"path": lk.path, "owner": lk.owner, "created": lk.created} for lk in found])
    elif not found:
        say(f"No locks in {store.uri}.")
    else:
        table(None, ["path", "owner", "since"], [[lk.path, lk.owner, lk.created] for lk in found])


def log(
    path: Annotated[str, typer.Argument(help="A data file tracked with `octoup data track`.")],
    as_json: JsonOpt = False,
) -> None:
    """Every version of a data file in this branch's history (newest first)."""
    from octoup.cli.output import emit_json, table
    from octoup.gitdata import history, repo

    root = repo.top()
    rel = _path(root, path)
    found = history.versions(root, rel)
    if as_json:
        emit_json({"path": rel, "versions": found})
        return
    rows = [[v.commit[:10], v.date[:19].replace("T", " "), v.author,
             "deleted" if v.size is None else f"{v.size:,}",
             (v.oid or ("(in git)" if v.size is not None else ""))[:12], v.subject] for v in found]
    table(f"{rel}: {len(found)} version(s); `octoup data pull {rel} --rev COMMIT` fetches one",
          ["commit", "date", "author", "bytes", "oid", "message"], rows)


def pull_path(path: str, rev: str | None, output: str | None, as_json: bool) -> None:
    """`octoup data pull PATH [--rev REV]`: the file as it was at REV (default HEAD), verified."""
    import subprocess

    from octoup.cli.output import emit_json, say
    from octoup.cli.progress import byte_progress
    from octoup.errors import OctoupError
    from octoup.gitdata import history

    root, store = _store()
    rel = _path(root, path)
    if rev is None and output is None:
        from octoup.gitdata.clone import checkout_data

        checkout_data(root, (rel,))
        say(f"{rel}: checked out from {store.uri} (git-lfs verified it).")
        return
    revision = rev or "HEAD"
    pointer = history.pointer_at(root, revision, rel)
    target = Path(output).resolve() if output else root / rel
    if output is None and target.is_file() and subprocess.run(
            ["git", "diff", "--quiet", "--", rel], cwd=root).returncode != 0:
        raise OctoupError(f"{rel} has changes that are not committed; pulling {revision} would "
                          "overwrite them",
                          "Commit or stash them, or write the old version elsewhere with --output FILE.")
    target.parent.mkdir(parents=True, exist_ok=True)
    with byte_progress(f"pull {rel}@{revision}") as start:
        downloaded = history.fetch_version(root, store, pointer, target, start(pointer.size))
    commit = subprocess.run(["git", "rev-parse", "--short", revision], cwd=root, capture_output=True,
                            text=True).stdout.strip()
    if as_json:
        emit_json({"path": rel, "rev": revision, "commit": commit, "oid": pointer.oid, "size": pointer.size,
                   "output": str(target), "downloaded": downloaded})
        return
    where = "downloaded from " + store.uri if downloaded else "from the local git-lfs cache"
    say(f"{target if output else rel}: the version of {revision} ({commit}), {pointer.size:,} bytes, "
        f"{where}, sha256 verified.")
    if output is None and rev:
        say(f"git status shows it as modified; `git checkout -- {rel}` goes back to this branch's version.")


def is_git_data(name: str) -> bool:
    """``name`` is no dataset but a file git-lfs tracks here (so `data pull NAME` means that file)."""
    import subprocess

    from octoup.data import manifest as mf
    from octoup.project_root import project_folder

    if mf.manifest_path(project_folder(), name).is_file():
        return False
    result = subprocess.run(["git", "check-attr", "filter", "--", name], capture_output=True, text=True)
    return result.returncode == 0 and result.stdout.strip().endswith(": filter: lfs")

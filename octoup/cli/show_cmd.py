"""``octoup data show``: a dataset's statistics as a terminal summary and an offline HTML profile."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

PAGE = "profile.html"
IGNORED = "profile*.html"
"""Pages are derived from the committed statistics: ignored by git in the dataset's folder."""


def show(
    name: Annotated[str, typer.Argument(help="Dataset to profile (its statistics: `octoup data stats`).")],
    sample: Annotated[bool, typer.Option("--sample", help="Profile the dataset's sample.")] = False,
    compare: Annotated[str | None, typer.Option(
        "--compare", metavar="sample|DATASET",
        help="Put the sample (`--compare sample`) or another dataset beside it.")] = None,
    out: Annotated[Path | None, typer.Option(
        "--out", metavar="FILE",
        help="Write the page to FILE, or into a folder (default: data/.octoup/NAME/profile*.html).")] = None,
    open_browser: Annotated[bool | None, typer.Option(
        "--open/--no-open", help="Open the page in a browser (default: only on a terminal, without --out "
                                 "or --json).", show_default=False)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the profile in brief as JSON.")] = False,
) -> None:
    """A facets-like profile: one row per feature, histograms, top values, missing/zero flags, drift."""
    import sys

    from octoup.cli.output import emit_json, say
    from octoup.cli.stats_cmd import show_summary
    from octoup.config import open_project
    from octoup.data.profile import profile
    from octoup.errors import OctoupError
    from octoup.project_root import display

    project = open_project(Path.cwd(), create=False, announce=say)
    view = profile(name, sample=sample, compare=compare, root=project.root)
    default = _default_path(project.root, name, sample, compare)
    path = (default if out is None else out / default.name if out.is_dir() else out).resolve()
    try:
        view.write(path)
    except OSError as exc:
        raise OctoupError(f"cannot write {path}: {exc.strerror or exc}",
                          "Choose another place with --out FILE.") from None
    if out is None:
        _ignore(project.root, path.parent)
    if as_json:
        emit_json(view.summary() | {"html": str(path)})
    else:
        for stats in view.stats:
            show_summary(stats)
        for note in view.notes:
            say(f"warning: {note}")
        flagged = sum(f.flagged for f in view.features)
        say(f"{' vs '.join(view.labels)}: {len(view.features)} feature(s), {flagged} flagged → "
            f"{display(path, project.root)}")
    if open_browser is None:
        open_browser = sys.stdout.isatty() and out is None and not as_json
    if open_browser:
        import webbrowser

        if not webbrowser.open(path.as_uri()):
            say(f"No browser found: open {path.as_uri()}")


def _default_path(root: Path, name: str, sample: bool, compare: str | None) -> Path:
    from octoup.data import manifest as mf

    suffix = "-sample" * sample + (f"-vs-{compare}" if compare else "")
    return mf.folder(root, name) / PAGE.replace(".html", f"{suffix}.html")


def _ignore(root: Path, folder: Path) -> None:
    """Keep the derived pages out of git: a ``.gitignore`` in the dataset's folder, staged like the
    statistics beside it (never committed for the user)."""
    from octoup import git

    ignore = folder / ".gitignore"
    text = ignore.read_text(encoding="utf-8") if ignore.is_file() else ""
    if IGNORED in text.splitlines():
        return
    prefix = "\n" if text and not text.endswith("\n") else ""
    with ignore.open("a", encoding="utf-8") as fh:
        fh.write(f"{prefix}{IGNORED}\n")
    top = git.work_tree(root)
    if top is not None:
        git.run(top, "add", "--", str(ignore.resolve().relative_to(top)))

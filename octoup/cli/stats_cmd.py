"""``octoup data stats / schema / validate / show``: know a dataset without downloading it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]
SampleOpt = Annotated[bool, typer.Option("--sample", help="Use the dataset's sample (`data sample`).")]


def _project():
    from octoup.cli.output import say
    from octoup.config import open_project

    return open_project(Path.cwd(), announce=say)


def stats(
    name: Annotated[str, typer.Argument(help="Dataset to describe.")],
    sample: SampleOpt = False,
    engine: Annotated[str, typer.Option("--engine", help="polars (this machine) or dask (a cluster).")]
    = "polars",
    scheduler: Annotated[str | None, typer.Option("--scheduler", help="Dask scheduler address "
                                                  "(default: a local cluster).")] = None,
    memory: Annotated[str | None, typer.Option("--memory", help="Memory budget for batches, e.g. 1GB.")]
    = None,
    workers: Annotated[int | None, typer.Option("--workers", help="Files read at once.")] = None,
    skip_bad: Annotated[bool, typer.Option("--skip-bad", help="Leave out unreadable files (listed in "
                                                              "the stats) instead of stopping.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Per-column statistics (TFDV-like), computed where the data lives; saved in data/.octoup/NAME/."""
    from octoup.cli.output import emit_json, say
    from octoup.cli.progress import byte_progress
    from octoup.cli.sizes import parse_size
    from octoup.data import manifest as mf
    from octoup.data.stats import StatsRequest, compute
    from octoup.errors import OctoupError

    if scheduler and engine != "dask":
        raise OctoupError("--scheduler needs --engine dask")
    project = _project()
    budget = parse_size(memory, "--memory") if memory else None
    request = StatsRequest(name, sample, engine, scheduler, budget, workers, skip_bad)
    files = mf.load_dataset(project.root, name)
    total = sum(e.size for e in (files.sample_files if sample else files.files).values())
    try:
        with byte_progress(f"stats {name}") as start:
            run = compute(project, request, start(total))
    except KeyboardInterrupt:
        say("Interrupted: no statistics were written.")
        raise typer.Exit(130) from None
    for warning in run.warnings:
        say(f"warning: {warning}")
    if as_json:
        emit_json(run.stats.model_dump())
        return
    show_summary(run.stats)
    shown = run.path.relative_to(project.root)
    staged = " (staged with git add; commit it with your work)" if run.staged else ""
    say(f"{name}: {len(run.stats.tables)} table(s), {run.stats.rows:,} rows → {shown}{staged}")


def show_summary(stats) -> None:
    """One line per column, one table per table: the terminal view of a profile."""
    from octoup.cli.output import table

    for table_name, t in stats.tables.items():
        rows = []
        for col, s in t.columns.items():
            total = s.count + s.missing
            num = s.numeric
            top = s.string.top_values[0][0] if s.string and s.string.top_values else ""
            rows.append([col, s.type, f"{s.count:,}", f"{100 * s.missing / total:.1f}%" if total else "–",
                         _short(s.min), _short(s.max), _short(num.mean) if num else "",
                         _short(num.std) if num else "", f"{'' if s.distinct_exact else '~'}{s.distinct:,}",
                         _short(top)])
        table(f"{stats.dataset}{' (sample)' if stats.sample else ''} · {table_name}: {t.rows:,} rows "
              f"in {len(t.files)} file(s)",
              ["column", "type", "count", "missing", "min", "max", "mean", "std", "distinct", "top"], rows)


def _short(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4g}"
    text = str(value)
    return text if len(text) <= 24 else text[:23] + "…"

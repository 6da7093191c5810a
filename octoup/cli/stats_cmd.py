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
    from octoup.data.stats import StatsRequest, compute
    from octoup.errors import OctoupError

    if scheduler and engine != "dask":
        raise OctoupError("--scheduler needs --engine dask")
    project = _project()
    budget = parse_size(memory, "--memory") if memory else None
    request = StatsRequest(name, sample, engine, scheduler, budget, workers, skip_bad)
    try:
        with byte_progress(f"stats {name}") as start:
            run = compute(project, request, start)
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


def schema(
    name: Annotated[str, typer.Argument(help="Dataset whose statistics the schema is inferred from.")],
    fmt: Annotated[str, typer.Option("--format", help="yaml (octoup's schema.yaml) or pandera (one "
                                                      "pandera YAML schema per table).")] = "yaml",
    sample: SampleOpt = False,
    force: Annotated[bool, typer.Option("--force", help="Infer again over an existing schema.yaml "
                                                        "(hand edits are lost).")] = False,
) -> None:
    """Infer a schema with validation rules from the statistics; written as readable YAML."""
    from octoup.cli.output import say
    from octoup.data import manifest as mf
    from octoup.data import meta
    from octoup.data import schema as sc
    from octoup.data.stats import engine
    from octoup.errors import OctoupError

    project = _project()
    manifest = mf.load_dataset(project.root, name)
    path = sc.schema_path(project.root, name)
    if fmt not in ("yaml", "pandera"):
        raise OctoupError(f"--format {fmt}: unknown format", "Use yaml or pandera.")
    if fmt == "pandera":
        current = sc.load(project.root, name) if path.is_file() and not force \
            else sc.infer(engine.load(project.root, name, sample=sample))
        files = {sc.pandera_file(t): text for t, text in sc.to_pandera(current).items()}
    else:
        if path.is_file() and not force:
            raise OctoupError(f"{path.relative_to(project.root)} exists and may hold your edits",
                              f"Check data with `octoup data validate {name}`, or infer it again with "
                              f"`octoup data schema {name} --force`.")
        stats = engine.load(project.root, name, sample=sample)
        inferred = sc.infer(stats)
        files = {path.name: sc.dump(inferred, stats.computed)}
    staged = meta.store(project, manifest, files)
    folder = mf.folder(project.root, name).relative_to(project.root)
    for file in files:
        say(f"wrote {folder / file}" + (" (staged with git add)" if staged else ""))
    if fmt == "yaml":
        columns = [c for t in inferred.tables.values() for c in t.columns.values()]
        say(f"{name}: {len(inferred.tables)} table(s), {len(columns)} columns: "
            f"{sum(c.required for c in columns)} required, {sum(c.domain is not None for c in columns)} with "
            f"a domain, {sum(c.range is not None for c in columns)} with a range. Edit it freely, then "
            f"`octoup data validate {name}`.")


def validate(
    name: Annotated[str, typer.Argument(help="Dataset whose schema is checked.")],
    path: Annotated[Path | None, typer.Argument(help="New data on this machine (a file or a folder); "
                                                     "default: the dataset's files in its bucket.")] = None,
    new_version: Annotated[bool, typer.Option("--new-version", help="Check the dataset's current files "
                                              "and, when they pass, keep their stats as the new "
                                              "baseline.")] = False,
    skip_bad: Annotated[bool, typer.Option("--skip-bad", help="Report unreadable files as anomalies "
                                                              "instead of stopping.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Check data against the schema: anomalies like TFDV's, and drift from the stored statistics.
    Exits 1 when there are anomalies."""
    from octoup.cli.output import emit_json, say, table
    from octoup.data.stats import StatsRequest
    from octoup.data.validate import validate as run_validation
    from octoup.errors import OctoupError

    if path is not None and new_version:
        raise OctoupError("--new-version checks the dataset's own files; leave out PATH",
                          f"Copy new files in first (`octoup data copy SRC --name {name}`).")
    project = _project()
    report = run_validation(project, name, path, new_version=new_version,
                            request=StatsRequest(name, skip_bad=skip_bad))
    if as_json:
        emit_json(report)
    elif report.anomalies:
        table(f"{len(report.anomalies)} anomal{'y' if len(report.anomalies) == 1 else 'ies'} in "
              f"{report.checked}", ["table", "column", "anomaly", "detail"],
              [[a.table, a.column, a.kind, a.detail] for a in report.anomalies])
    else:
        say(f"{report.checked}: {report.rows:,} rows match the schema; no anomalies."
            + (" Their statistics are the new baseline (stats.json, staged)." if report.accepted else ""))
    if report.anomalies:
        raise typer.Exit(1)


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

"""``octoup runs``: list, show and compare tracked runs; build the insights site; export them."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from octoup.cli.group import SectionedGroup

app = typer.Typer(help="List, show and compare tracked runs; build the insights dashboard.",
                  cls=SectionedGroup, no_args_is_help=True, rich_markup_mode=None)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]
ExperimentOpt = Annotated[str | None, typer.Option("--experiment", "-e", help="Only this experiment.")]


def _scan(experiment: str | None = None):
    from octoup.cli.output import say
    from octoup.project_root import project_folder
    from octoup.track.reader import scan

    root = project_folder()
    found = scan(root, experiment)
    for warning in found.warnings:
        say(f"warning: {warning}")
    return root, found


def _when(ms: int) -> str:
    import time

    return time.strftime("%Y-%m-%d %H:%M", time.localtime(ms / 1000))


def _num(value) -> str:
    return "" if value is None else f"{value:.4g}" if isinstance(value, float) else str(value)


def _tree(runs):
    """Top-level runs newest first, each followed by its children (depth for indentation)."""
    ids = {r.run_id for r in runs}
    children: dict[str, list] = {}
    for run in runs:
        if run.parent in ids:
            children.setdefault(run.parent, []).append(run)

    def walk(run, depth):
        yield run, depth
        for child in sorted(children.get(run.run_id, []), key=lambda r: r.start):
            yield from walk(child, depth + 1)

    for run in runs:
        if run.parent not in ids:
            yield from walk(run, 0)


@app.command("ls")
def ls(
    experiment: ExperimentOpt = None,
    sort: Annotated[str | None, typer.Option("--sort", "-s", help="Sort by this metric (ascending; "
                                             "prefix '-' for descending, e.g. -r2).")] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", help="Show at most this many runs.")] = 50,
    as_json: JsonOpt = False,
) -> None:
    """Runs under runs/, newest first, children under their parent (flat when sorted)."""
    from octoup.cli.output import emit_json, say, table

    _, found = _scan(experiment)
    runs = found.runs
    if sort:
        key, descending = sort.lstrip("-"), sort.startswith("-")
        having = [r for r in runs if key in r.metrics]
        if not having:
            known = sorted({k for r in runs for k in r.metrics})
            from octoup.errors import OctoupError

            raise OctoupError(f"no run has a metric '{key}'",
                              f"Metrics: {', '.join(known)}." if known else "No run has metrics yet.")
        rows = [(r, 0) for r in sorted(having, key=lambda r: r.metrics[key], reverse=descending)]
    else:
        rows = list(_tree(runs))
    total, rows = len(rows), rows[:limit]
    if as_json:
        emit_json([{"run_id": r.run_id, "experiment": r.experiment, "name": r.name, "status": r.status,
                    "parent": r.parent, "start": r.start, "end": r.end, "params": r.params,
                    "metrics": r.metrics} for r, _ in rows])
        return
    if not runs:
        say("No runs yet: `octoup run SCRIPT.py` or `octoup.track.session()` records them under runs/.")
        return
    metric_keys = sorted({k for r, _ in rows for k in r.metrics})[:6]
    if sort and sort.lstrip("-") not in metric_keys:
        metric_keys = [sort.lstrip("-"), *metric_keys[:5]]
    table(None, ["run", "experiment", "name", "status", "started", "seconds", *metric_keys],
          [[r.run_id[:8], r.experiment, "  " * depth + ("└ " if depth else "") + r.name, r.status,
            _when(r.start), _num(r.seconds), *[_num(r.metrics.get(k)) for k in metric_keys]]
           for r, depth in rows])
    if total > len(rows):
        say(f"{len(rows)} of {total} runs shown (--limit).")


@app.command()
def show(run: Annotated[str, typer.Argument(help="Run id, id prefix or run name.")],
         as_json: JsonOpt = False) -> None:
    """One run: status, params, metrics, provenance (git, env, data), artifacts, children."""
    from octoup.cli.output import emit_json, table

    _, found = _scan()
    r = found.find(run)
    children = [c for c in found.runs if c.parent == r.run_id]
    if as_json:
        emit_json({"run_id": r.run_id, "experiment": r.experiment, "name": r.name, "status": r.status,
                   "start": r.start, "end": r.end, "parent": r.parent, "params": r.params,
                   "metrics": r.metrics, "tags": r.tags, "artifacts": r.artifacts(),
                   "children": [c.run_id for c in children], "folder": str(r.folder)})
        return
    print(f"run {r.run_id}  {r.experiment}/{r.name}  {r.status}  started {_when(r.start)}"
          + (f", {r.seconds:.1f} s" if r.seconds is not None else ""))
    print(f"folder: {r.folder}")
    if r.parent:
        print(f"parent: {r.parent}")
    sections = [("params", r.params), ("metrics", {k: _num(v) for k, v in r.metrics.items()}),
                ("provenance", {k: v for k, v in r.tags.items() if k.startswith("octoup.")})]
    for title, values in sections:
        if values:
            print()
            table(title, ["key", "value"], [[k, v] for k, v in sorted(values.items())])
    artifacts = r.artifacts()
    if artifacts:
        print("\nartifacts:\n" + "".join(f"  {a}\n" for a in artifacts), end="")
    if children:
        print("\nchildren:\n" + "".join(f"  {c.run_id[:8]} {c.name} {c.status}\n" for c in children), end="")


@app.command("diff")
def diff_runs(a: Annotated[str, typer.Argument(help="First run.")],
              b: Annotated[str, typer.Argument(help="Second run.")], as_json: JsonOpt = False) -> None:
    """What differs between two runs: params, metrics, code, env (and packages), data."""
    from octoup.cli.output import emit_json, table
    from octoup.track.diff import diff

    _, found = _scan()
    result = diff(found.find(a), found.find(b))
    if as_json:
        emit_json(result)
        return
    print(f"A = {result.a}\nB = {result.b}")
    if result.empty:
        print("No differences in params, metrics, code, env or data.")
        return
    for title in ("params", "metrics", "code", "env", "packages", "data"):
        changes = getattr(result, title)
        if changes:
            print()
            table(title, ["key", "A", "B"], [[c.key, _num(c.a) if c.a is not None else "–",
                                               _num(c.b) if c.b is not None else "–"] for c in changes])


@app.command()
def insights(
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the site.")] = Path("insights"),
    latest: Annotated[int, typer.Option("--latest", help="Runs on the Insights page.")] = 200,
) -> None:
    """Build the offline insights site: Insights, Experiments grid and one page per run."""
    from octoup.cli.output import say
    from octoup.track.insights import build

    root, found = _scan()
    result = build(root, found.runs, out, latest=latest)
    say(f"Built {result.pages} pages for {len(found.runs)} runs in {result.seconds:.1f} s: open "
        f"{result.index}")


@app.command()
def export(
    to: Annotated[str, typer.Option("--to", help="Target format: sqlite.")] = "sqlite",
    path: Annotated[Path, typer.Argument(help="Database file to write.")] = Path("mlflow.db"),
) -> None:
    """Copy runs/ into an MLflow tracking database (sqlite), for `mlflow server` and friends."""
    from octoup.cli.output import say
    from octoup.errors import OctoupError
    from octoup.track.export import to_sqlite

    if to != "sqlite":
        raise OctoupError(f"cannot export to {to!r}", "Supported: --to sqlite.")
    root, found = _scan()
    result = to_sqlite(root, found.runs, path)
    say(f"Exported {result.runs} runs ({result.metrics} metric values) of {result.experiments} experiments "
        f"to {path}: `mlflow ui --backend-store-uri sqlite:///{path}`.")


@app.command()
def workflow(
    python: Annotated[str, typer.Option("--python", help="Python version in the workflow.")] = "3.11",
    branch: Annotated[str, typer.Option("--branch", help="Publish on pushes to this branch.")] = "main",
    force: Annotated[bool, typer.Option("--force", help="Replace an existing workflow.")] = False,
) -> None:
    """Write .github/workflows/octoup-insights.yml: build the insights site and publish it on Pages."""
    from octoup.cli.output import say
    from octoup.project_root import project_folder
    from octoup.track.workflow import write

    path = write(project_folder(), python=python, branch=branch, force=force)
    say(f"Wrote {path}: on each push of runs/ to {branch} it builds the insights site and publishes it "
        "with GitHub Pages (enable Pages with 'Source: GitHub Actions').")

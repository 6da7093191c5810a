"""``octoup data``: copy datasets into a bucket, list, pull, push, version and remove them."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from octoup.cli.group import SectionedGroup

app = typer.Typer(help="Copy datasets into any cloud; pull, push, version and remove them.",
                  cls=SectionedGroup, no_args_is_help=True, rich_markup_mode=None)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print a JSON summary.")]
CloudOpt = Annotated[str | None, typer.Option("--cloud", "-c", help="Cloud for a new dataset "
                                                                    "(default: the project's).")]
BucketOpt = Annotated[str | None, typer.Option("--bucket", "-b", help="Bucket for a new dataset "
                                                                      "(default: the cloud's bucket).")]
UnpackOpt = Annotated[bool, typer.Option("--unpack/--no-unpack", help="Unpack archives in flight, "
                                                                      "one object per member.")]
SampleAfterOpt = Annotated[str | None, typer.Option("--sample", help="Then sample it: a share (1%, 0.01) "
                                                                     "or a number of rows (1000).")]
StatsAfterOpt = Annotated[bool, typer.Option("--stats", help="Then compute its statistics (and the "
                                                             "sample's).")]


def _project():
    from octoup.cli.output import say
    from octoup.config import open_project

    return open_project(Path.cwd(), announce=say)


@contextmanager
def _interruptible(then: str):
    """Ctrl-C says what state it left and exits 130 (typer would exit silently)."""
    from octoup.cli.output import say

    try:
        yield
    except KeyboardInterrupt:
        say(f"Interrupted: {then}.")
        raise typer.Exit(130) from None


def _copy(name: str, sources: list[str], cloud, bucket, unpack: bool, as_json: bool,
          sample: str | None = None, stats: bool = False) -> None:
    from octoup.cli.output import emit_json, say
    from octoup.cli.progress import TransferReport
    from octoup.data.copy import CopyOptions, copy_dataset

    if sample is not None:
        from octoup.data.sample import parse_amount

        parse_amount(sample)  # a bad --sample stops before anything is copied
    project = _project()
    options = CopyOptions(name=name, sources=sources, cloud=cloud, bucket=bucket, unpack=unpack)
    with _interruptible(f"what finished is recorded in data/.octoup/{name}/manifest.json; run the same "
                        "command again to copy the rest"), TransferReport(f"copy {name}") as report:
        summary = copy_dataset(project, options, report)
    if as_json:
        emit_json(summary)
        _describe(project, name, sample, stats)
        return
    if summary.bucket_created:
        say(f"Created bucket {summary.uri.rsplit('/', 2)[0]}/ for the project.")
    if summary.copied == 0:
        say(f"{name}: all {summary.files} files are already in {summary.uri}; nothing copied.")
    else:
        rate = summary.bytes_copied / max(summary.seconds, 1e-6) / 1e6
        server = f", {summary.server_side} server-side" if summary.server_side else ""
        say(f"{name}: copied {summary.copied} of {summary.files} files ({summary.bytes_copied / 1e6:,.1f} MB"
            f"{server}) to {summary.uri} in {summary.seconds:.1f} s ({rate:.1f} MB/s); "
            f"{summary.skipped} already there.")
    say(f"Manifest: data/.octoup/{name}/manifest.json (commit it).")
    _describe(project, name, sample, stats)


def _describe(project, name: str, sample: str | None, stats: bool) -> None:
    """``copy --sample/--stats``: the sample, split and examples, then the statistics of both."""
    from octoup.cli.output import say
    from octoup.data.sample import SampleSpec, parse_amount, sample_dataset
    from octoup.data.stats import StatsRequest, compute

    if sample is not None:
        fraction, rows = parse_amount(sample)
        summary = sample_dataset(project, name, SampleSpec(fraction, rows))
        say(f"{name}: sampled {summary.rows_out:,} of {summary.rows_in:,} rows "
            f"(sample, train/eval split and examples in data/.octoup/{name}/examples.jsonl).")
    for of_sample in (False, True) if stats and sample is not None else (False,) if stats else ():
        run = compute(project, StatsRequest(name, sample=of_sample))
        say(f"{name}: statistics of {run.stats.rows:,} {'sampled ' if of_sample else ''}rows → "
            f"{run.path.relative_to(project.root)}; see them with `octoup data show {name}`.")


def default_name(source: str) -> str:
    """A dataset name from a source: its last path part without archive or file suffixes."""
    import re
    from urllib.parse import urlsplit

    from octoup.data.archive import strip_archive_suffix

    last = urlsplit(source).path.rstrip("/").rsplit("/", 1)[-1] or urlsplit(source).netloc
    stem = strip_archive_suffix(last).split(".")[0] if "*" not in last else ""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", stem).strip("-.") or "dataset"


@app.command()
def copy(
    sources: Annotated[list[str], typer.Argument(help="Files, folders, globs, http(s):// URLs, "
                                                      "s3://, gs://, az:// or local:// URIs.")],
    name: Annotated[str | None, typer.Option("--name", "-n", help="Dataset name (default: from the "
                                                                  "first source).")] = None,
    cloud: CloudOpt = None,
    bucket: BucketOpt = None,
    unpack: UnpackOpt = True,
    sample: SampleAfterOpt = None,
    stats: StatsAfterOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Copy sources into the dataset's bucket (provisioned if missing); reruns copy only what changed."""
    _copy(name or default_name(sources[0]), sources, cloud, bucket, unpack, as_json, sample, stats)


@app.command()
def add(
    name: Annotated[str, typer.Argument(help="Dataset name.")],
    sources: Annotated[list[str], typer.Argument(help="Sources, as for `octoup data copy`.")],
    cloud: CloudOpt = None,
    bucket: BucketOpt = None,
    unpack: UnpackOpt = True,
    sample: SampleAfterOpt = None,
    stats: StatsAfterOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Add sources to dataset NAME (creating it): the same as `copy --name NAME`."""
    _copy(name, sources, cloud, bucket, unpack, as_json, sample, stats)


@app.command("ls")
def list_(
    name: Annotated[str | None, typer.Argument(help="A dataset: list its files.")] = None,
    version: Annotated[str | None, typer.Option("--version", help="Files of this version.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """List the project's datasets, or one dataset's files."""
    from octoup.cli.output import emit_json, say, table
    from octoup.data import manifest as mf
    from octoup.data.pull import local_folder
    from octoup.data.versions import labels, snapshot
    from octoup.project_root import project_folder

    root = project_folder()
    if name is None:
        found = mf.datasets(root)
        if as_json:
            emit_json([{"name": m.name, "uri": m.uri, "files": len(m.files), "bytes": m.total_bytes,
                        "sources": m.sources, "versions": labels(root, m.name)} for m in found])
        elif not found:
            say("No datasets yet: `octoup data copy SRC --name NAME` makes one.")
        else:
            table(None, ["dataset", "where", "files", "MB", "versions"],
                  [[m.name, m.uri, len(m.files), f"{m.total_bytes / 1e6:,.1f}",
                    ", ".join(labels(root, m.name))] for m in found])
        return
    manifest = snapshot(root, name, version) if version else mf.load_dataset(root, name)
    folder = local_folder(root, name)
    rows = [{"path": p, "bytes": e.size, "sha256": e.sha256, "pulled": (folder / p).is_file()}
            for p, e in sorted(manifest.files.items())]
    if as_json:
        emit_json({"name": name, "uri": manifest.uri, "version": version, "files": rows})
        return
    table(f"{name}{'@' + version if version else ''}: {manifest.uri}", ["path", "bytes", "sha256", "pulled"],
          [[r["path"], f"{r['bytes']:,}", (r["sha256"] or "")[:12], "yes" if r["pulled"] else ""]
           for r in rows])


def _names(name: str | None, every: bool) -> list[str]:
    from octoup.data import manifest as mf
    from octoup.errors import OctoupError
    from octoup.project_root import project_folder

    if every == bool(name):
        raise OctoupError("give a dataset NAME or --all", "See the datasets with `octoup data ls`.")
    return [m.name for m in mf.datasets(project_folder())] if every else [name]


def _sync(verb: str, name: str | None, every: bool, as_json: bool, run, describe) -> None:
    """Run ``run(project, dataset, reporter)`` for NAME or every dataset, with progress and a summary."""
    from octoup.cli.output import emit_json, say
    from octoup.cli.progress import TransferReport

    project = _project()
    results = []
    for each in _names(name, every):
        with _interruptible(f"files finished so far are complete and verified; run `octoup data {verb} "
                            f"{each}` again for the rest"), TransferReport(f"{verb} {each}") as report:
            results.append(run(project, each, report))
        if not as_json:
            say(f"{each}: {describe(results[-1])}")
    if as_json:
        emit_json(results)


@app.command()
def pull(
    name: Annotated[str | None, typer.Argument(help="Dataset to pull.")] = None,
    every: Annotated[bool, typer.Option("--all", help="Pull every dataset.")] = False,
    only: Annotated[list[str] | None, typer.Option("--only", help="Only files matching this glob "
                                                                  "(repeatable).")] = None,
    version: Annotated[str | None, typer.Option("--version", help="Pull this version.")] = None,
    sample: Annotated[bool, typer.Option("--sample", help="Pull the dataset's sample (`octoup data "
                                                          "sample`) instead of the full files.")] = False,
    stats_only: Annotated[bool, typer.Option("--stats-only", help="Only its statistics, schema and "
                                             "examples (into data/.octoup/NAME/), no data.")] = False,
    rev: Annotated[str | None, typer.Option("--rev", help="NAME is a git-tracked data file: fetch its "
                                                          "version at this commit/branch/tag.")] = None,
    output: Annotated[str | None, typer.Option("--output", "-o", help="With a data file: write it here "
                                                                     "instead of over PATH.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Download a dataset into data/raw/NAME/, verified; files already there and intact are skipped.
    NAME may also be a data file tracked with `octoup data track` (with --rev: an older version)."""
    from octoup.cli import gitdata_cmd
    from octoup.data.pull import pull as run_pull

    if name and (rev or output or gitdata_cmd.is_git_data(name)):
        gitdata_cmd.pull_path(name, rev, output, as_json)
        return
    if stats_only:
        _pull_meta(name, every, as_json)
        return
    _sync("pull", name, every, as_json,
          lambda project, each, report: run_pull(project, each, only=only, version=version, sample=sample,
                                                 reporter=report),
          lambda s: f"{s.moved} file(s) downloaded ({s.bytes_moved / 1e6:,.1f} MB) into "
                    f"data/raw/{s.name}/, {s.skipped} already there.")


def _pull_meta(name: str | None, every: bool, as_json: bool) -> None:
    from octoup.cli.output import emit_json, say
    from octoup.data.meta import fetch

    project = _project()
    results = [fetch(project, each) for each in _names(name, every)]
    if as_json:
        emit_json(results)
        return
    for got in results:
        say(f"{got.name}: {', '.join(got.files)} → data/.octoup/{got.name}/" if got.files else
            f"{got.name}: no statistics in the bucket yet; compute them with `octoup data stats {got.name}`.")


@app.command()
def push(
    name: Annotated[str | None, typer.Argument(help="Dataset to push.")] = None,
    every: Annotated[bool, typer.Option("--all", help="Push every dataset.")] = False,
    delete: Annotated[bool, typer.Option("--delete", help="Also delete objects whose local file is "
                                                          "gone.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Upload new and changed files of data/raw/NAME/ and update the manifest."""
    from octoup.data.pull import push as run_push

    _sync("push", name, every, as_json,
          lambda project, each, report: run_push(project, each, delete=delete, reporter=report),
          lambda s: f"{s.moved} file(s) uploaded ({s.bytes_moved / 1e6:,.1f} MB), {s.deleted} deleted, "
                    f"{s.skipped} unchanged.")


@app.command()
def version(
    name: Annotated[str, typer.Argument(help="Dataset to snapshot.")],
    label: Annotated[str | None, typer.Option("--label", help="Version label (default: v1, v2, ...).")]
    = None,
) -> None:
    """Snapshot the dataset's manifest; its bytes are kept when later copies or pushes change them."""
    from octoup.cli.output import say
    from octoup.data.versions import create
    from octoup.project_root import project_folder

    made, snap = create(project_folder(), name, label)
    say(f"{name}@{made}: {len(snap.files)} files. Read it with `octoup data pull {name} --version {made}`.")


@app.command("sample")
def sample_(
    name: Annotated[str, typer.Argument(help="Dataset to sample.")],
    fraction: Annotated[float | None, typer.Option("--fraction", help="Share of rows (and of other "
                                                                      "files) to keep, e.g. 0.01.")] = None,
    rows: Annotated[int | None, typer.Option("--rows", help="Rows per table (and number of other "
                                                            "files) to keep.")] = None,
    stratify: Annotated[str | None, typer.Option("--stratify", help="Keep each value of this column "
                                                                    "in its share.")] = None,
    seed: Annotated[int, typer.Option("--seed", help="Random seed: the same seed, the same sample.")] = 0,
    split: Annotated[float, typer.Option("--split", help="Train share of a seeded train/eval split of "
                                                         "each sampled table (0: no split).")] = 0.7,
    as_json: JsonOpt = False,
) -> None:
    """Write a deterministic sample next to the data (<prefix>sample/), a train/eval split of it and a
    few examples (data/.octoup/NAME/examples.jsonl); `pull --sample` fetches the sample."""
    from octoup.cli.output import emit_json, say
    from octoup.data.sample import SampleSpec, sample_dataset

    summary = sample_dataset(_project(), name, SampleSpec(fraction, rows, stratify, seed, split))
    if as_json:
        emit_json(summary)
        return
    say(f"{name}: sampled {summary.tables} table(s), {summary.rows_out:,} of {summary.rows_in:,} rows, and "
        f"{summary.files - summary.tables} other file(s): {summary.bytes_out / 1e6:,.2f} MB"
        + (f", split into train/eval ({summary.split_files} files)" if summary.split_files else "") + ". "
        f"Pull it with `octoup data pull {name} --sample`.")


@app.command()
def rm(
    name: Annotated[str, typer.Argument(help="Dataset to remove from the project.")],
    objects: Annotated[bool, typer.Option("--objects", help="Also delete its objects from the "
                                                            "bucket.")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask.")] = False,
) -> None:
    """Forget a dataset (manifest and config); with --objects, delete its bytes from the bucket too."""
    import sys

    from octoup.cli.output import say
    from octoup.data.catalog import remove

    project = _project()
    if objects and not yes and sys.stdin.isatty() and not typer.confirm(
            f"Delete every object of '{name}' from its bucket?", default=False):
        raise typer.Exit(1)
    removed = remove(project, name, delete_objects=objects)
    kept = "" if objects else f"; its objects stay in {removed.uri}"
    say(f"Removed dataset {name}{kept}. data/raw/{name}/ was not touched."
        + (f" Deleted {removed.objects_deleted} object(s)." if objects else ""))


def _register() -> None:
    from octoup.cli import gitdata_cmd, show_cmd, stats_cmd

    for command in (stats_cmd.stats, stats_cmd.schema, stats_cmd.validate, show_cmd.show):
        app.command(command.__name__, rich_help_panel="Describe and validate")(command)

    for command in (gitdata_cmd.track, gitdata_cmd.lock, gitdata_cmd.unlock, gitdata_cmd.locks,
                    gitdata_cmd.log):
        app.command(command.__name__, rich_help_panel="Git for data")(command)


_register()

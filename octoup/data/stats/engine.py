"""``octoup data stats``: one partial per file, computed where the data lives, merged, then stored.

The polars engine runs :func:`file_partial` in a thread pool on this machine; the Dask engine runs the
same function on a Dask cluster (``--scheduler ADDR``, or a local cluster). Bad files are never merged
silently: they stop the run, or with ``skip_bad`` are listed in the stats' ``skipped``.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from octoup.adaptors import optional_import
from octoup.data import manifest as mf
from octoup.data import meta
from octoup.data.stats.model import DatasetStats, finish
from octoup.data.stats.partial import ColumnTypeConflict, TablePartial
from octoup.data.stats.readers import BadFile, FileTask, batches
from octoup.data.tables import fmt_of
from octoup.errors import OctoupError

if TYPE_CHECKING:
    from octoup.config import Project

ENGINES = ("polars", "dask")
DEFAULT_MEMORY = 2 * 2**30
FIXED_MEMORY = 300 * 2**20
"""What the process takes before any batch: the interpreter, polars, pyarrow, the sketches."""


@dataclass
class StatsRequest:
    name: str
    sample: bool = False
    engine: str = "polars"
    scheduler: str | None = None
    memory: int | None = None
    workers: int | None = None
    skip_bad: bool = False


@dataclass
class FileResult:
    """What a worker sends back: a partial, or why the file could not be read (exceptions with
    structured arguments do not always survive pickling, this does)."""

    path: str
    size: int
    partial: TablePartial | None = None
    problem: str | None = None
    line: int | None = None
    hint: str | None = None
    shown: str = ""


@dataclass
class StatsRun:
    stats: DatasetStats
    path: Path
    staged: bool = False
    warnings: list[str] = field(default_factory=list)


def file_partial(task: FileTask) -> FileResult:
    """Statistics of one file, batch by batch (runs in a thread or on a Dask worker)."""
    partial = TablePartial()
    try:
        for frame in batches(task):
            partial.add(frame)
    except BadFile as exc:
        return FileResult(task.path, task.size, problem=exc.problem, line=exc.line, hint=exc.hint,
                          shown=task.shown)
    partial.files = {task.path: partial.rows}
    return FileResult(task.path, task.size, partial, shown=task.shown)


def stats_path(root: Path, name: str, sample: bool) -> Path:
    return mf.folder(root, name) / ("stats-sample.json" if sample else "stats.json")


def load(root: Path, name: str, *, sample: bool = False) -> DatasetStats:
    path = stats_path(root, name, sample)
    if not path.is_file():
        mf.load_dataset(root, name)  # says so when the dataset itself is unknown
        raise OctoupError(f"no {'sample ' if sample else ''}statistics for '{name}' yet",
                          f"Compute them with `octoup data stats {name}{' --sample' if sample else ''}`, "
                          f"or fetch them with `octoup data pull {name} --stats-only`.")
    return DatasetStats.load(path, str(path.relative_to(root)))


def tasks_for(project: Project, request: StatsRequest) -> tuple[mf.Manifest, list[FileTask]]:
    manifest = mf.load_dataset(project.root, request.name)
    files = manifest.sample_files if request.sample else manifest.files
    if request.sample and not files:
        raise OctoupError(f"'{request.name}' has no sample yet",
                          f"Make one with `octoup data sample {request.name} --fraction 0.01`.")
    tables = {p: e for p, e in sorted(files.items())
              if fmt_of(p) and not (request.sample and p.startswith("split/"))}  # the split repeats rows
    if not tables:
        raise OctoupError(f"'{request.name}' has no tables (CSV, TSV, Parquet or JSON lines files)",
                          "Statistics are computed for tables only.")
    memory = per_worker(request, workers_for(request, len(tables)))
    return manifest, [dataset_task(project, manifest, p, e, memory) for p, e in tables.items()]


def dataset_task(project: Project, manifest: mf.Manifest, path: str, entry: mf.FileEntry,
                 memory: int) -> FileTask:
    """A reader task for one file of a dataset, read where it lives."""
    return FileTask(manifest.cloud, project.cloud_settings(manifest.cloud), project.name, manifest.bucket,
                    entry.key or manifest.key(path), path, entry.size, f"{manifest.name}/{path}", memory)


def workers_for(request: StatsRequest, files: int) -> int:
    """Files read at once: as asked, else one per core (never more than there are files)."""
    return request.workers or min(files, max(1, os.cpu_count() or 1))


@dataclass
class Measured:
    """Merged partials, one per table, and the files left out."""

    tables: dict[str, TablePartial]
    skipped: dict[str, str]


def measure(tasks: list[FileTask], request: StatsRequest,
            advance: Callable[[int], None] | None = None) -> Measured:
    """Read every file (threads or Dask), then merge the partials per table in file order."""
    if request.engine not in ENGINES:
        raise OctoupError(f"--engine {request.engine}: unknown engine", f"Use one of: {', '.join(ENGINES)}.")
    optional_import("polars", "polars", "tabular")
    optional_import("datasketches", "datasketches", "tabular")
    results = _run_dask(tasks, request) if request.engine == "dask" else _run_threads(tasks, request)
    done: dict[str, FileResult] = {}
    for result in results:
        done[result.path] = result
        if advance:
            advance(result.size)
    groups: dict[tuple, TablePartial] = {}
    skipped: dict[str, str] = {}
    for result in (done[t.path] for t in tasks):  # merged in file order: the same files, the same stats
        if result.partial is None:
            where = f"{result.shown}{f':{result.line}' if result.line else ''}"
            if not request.skip_bad:
                raise OctoupError(f"{where}: {result.problem}", result.hint or
                                  "Fix or remove the file, or leave it out with --skip-bad.")
            skipped[result.path] = f"{where}: {result.problem}"
            continue
        signature = (fmt_of(result.path), frozenset(result.partial.columns))  # one table
        try:
            merged = groups.get(signature, TablePartial()).merge(result.partial, where=result.shown)
        except ColumnTypeConflict as exc:
            if not request.skip_bad:
                raise OctoupError(f"{exc.where}: {exc}", "Files of one table must agree on column "
                                  "types; fix the file, or leave it out with --skip-bad.") from None
            skipped[result.path] = f"{exc.where}: {exc}"
            continue
        groups[signature] = merged
    if not groups:
        raise OctoupError(f"no file of '{request.name}' could be read", "See the files listed above.")
    return Measured(name_tables(groups.values()), skipped)


def compute(project: Project, request: StatsRequest,
            progress: Callable[[int], Callable[[int], None]] | None = None) -> StatsRun:
    """Compute, merge and store a dataset's statistics (and ``git add`` them in a repository).
    ``progress(total_bytes)`` returns the callback that is told each file's bytes when it is done."""
    manifest, tasks = tasks_for(project, request)
    advance = progress(sum(t.size for t in tasks)) if progress else None
    measured = measure(tasks, request, advance)
    stats = finish(request.name, measured.tables, sample=request.sample, skipped=measured.skipped,
                   engine=request.engine, computed=mf.now(), manifest_updated=manifest.updated)
    path = stats_path(project.root, request.name, request.sample)
    run = StatsRun(stats, path, warnings=[f"skipped {msg}" for msg in measured.skipped.values()])
    run.staged = meta.store(project, manifest, {path.name: stats.to_json()})
    return run


def local_tasks(target: Path, request: StatsRequest) -> list[FileTask]:
    """Tasks for tables on this machine: one file, or every table under a folder."""
    from octoup.config import CloudSettings

    if not target.exists():
        raise OctoupError(f"{target}: no such file or folder")
    found = [target] if target.is_file() else sorted(target.rglob("*"))
    files = [p for p in found if p.is_file() and fmt_of(p.name)]
    if not files:
        raise OctoupError(f"{target}: no tables (CSV, TSV, Parquet or JSON lines files)")
    base = target.parent if target.is_file() else target
    memory = per_worker(request, workers_for(request, len(files)))
    return [FileTask("local", CloudSettings(), None, "", "", f.relative_to(base).as_posix(), f.stat().st_size,
                     str(f), memory, local=str(f)) for f in files]


def per_worker(request: StatsRequest, workers: int) -> int:
    """Each worker's share of the memory budget, after the process's fixed cost."""
    budget = request.memory or DEFAULT_MEMORY
    return max(16 * 2**20, (budget - FIXED_MEMORY) // max(workers, 1))


def name_tables(parts: Iterable[TablePartial]) -> dict[str, TablePartial]:
    """Name each table after its files: the file itself, or ``folder/*.ext`` for a partitioned one."""
    named: dict[str, TablePartial] = {}
    for part in parts:
        paths = sorted(part.files)
        if len(paths) == 1:
            name = paths[0]
        else:
            folder = posixpath.commonpath([posixpath.dirname(p) for p in paths])
            suffixes = {posixpath.splitext(p)[1] for p in paths}
            name = posixpath.join(folder, "*" + (suffixes.pop() if len(suffixes) == 1 else ""))
        if name in named:
            name = f"{paths[0]} (+{len(paths) - 1} more)"
        named[name] = part
    return dict(sorted(named.items()))


def _run_threads(tasks: list[FileTask], request: StatsRequest) -> Iterator[FileResult]:
    from concurrent.futures import ThreadPoolExecutor, as_completed

    with ThreadPoolExecutor(workers_for(request, len(tasks)), thread_name_prefix="octoup-stats") as pool:
        futures = [pool.submit(file_partial, t) for t in tasks]
        try:
            for future in as_completed(futures):
                yield future.result()
        finally:
            for future in futures:
                future.cancel()


def _run_dask(tasks: list[FileTask], request: StatsRequest) -> Iterable[FileResult]:
    distributed = optional_import("distributed", "dask distributed", "dask")
    if request.scheduler:
        try:
            client = distributed.Client(request.scheduler, timeout="10s")
        except OSError as exc:
            raise OctoupError(f"cannot reach the Dask scheduler at {request.scheduler} ({exc})",
                              "Start one with `dask scheduler`, or leave out --scheduler for a local "
                              "cluster.") from None
        cluster = None
    else:
        cluster = distributed.LocalCluster(n_workers=workers_for(request, len(tasks)),
                                           threads_per_worker=1, processes=True, dashboard_address=None)
        client = distributed.Client(cluster)
    try:
        futures = client.map(file_partial, tasks, pure=False)
        for _, result in distributed.as_completed(futures, with_results=True):
            yield result
    finally:
        client.close()
        if cluster is not None:
            cluster.close()

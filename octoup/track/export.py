"""``octoup runs export --to sqlite``: copy runs/ into an MLflow tracking database.

The database is created and migrated by MLflow's own ``SqlAlchemyStore`` and filled through its
store API, so ``mlflow ui --backend-store-uri sqlite:///mlflow.db`` reads it like any other. That
store needs SQLAlchemy and Alembic, which ship with the full ``mlflow`` package, not with
``mlflow-skinny``. Artifacts are not copied: their URIs keep pointing into runs/. The database
gives runs new ids; parent links (``mlflow.parentRunId``) are rewritten to them, and each run keeps
its file-store id in the tag ``octoup.file_run_id``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from octoup.errors import OctoupError
from octoup.track.reader import Run

LINKS = ("mlflow.parentRunId", "octoup.session")


@dataclass
class ExportResult:
    experiments: int
    runs: int
    metrics: int


def to_sqlite(root: Path, runs: list[Run], path: Path) -> ExportResult:
    try:
        from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore
    except ImportError:
        raise OctoupError("exporting to sqlite needs SQLAlchemy and Alembic (MLflow's database store)",
                          "pip install 'octoup[track]'  (it brings both with mlflow-skinny)") from None
    from mlflow.entities import Metric, Param, RunStatus, RunTag

    if path.exists():
        raise OctoupError(f"{path} already exists", "Export into a new file (or delete the old one).")
    store = SqlAlchemyStore(f"sqlite:///{path.resolve()}", str((root / "runs").resolve()))
    experiment_ids: dict[str, str] = {}
    new_ids: dict[str, str] = {}  # the database makes its own run ids; parent links follow them
    count = 0
    for run in sorted(runs, key=lambda r: r.start):  # a parent starts before its children
        if run.experiment not in experiment_ids:
            found = store.get_experiment_by_name(run.experiment)
            experiment_ids[run.experiment] = found.experiment_id if found else \
                store.create_experiment(run.experiment, (run.folder.parent).resolve().as_uri())
        tags = [RunTag(k, new_ids.get(v, v) if k in LINKS else v) for k, v in run.tags.items()]
        tags.append(RunTag("octoup.file_run_id", run.run_id))
        created = store.create_run(experiment_ids[run.experiment], run.tags.get("mlflow.user", "octoup"),
                                   run.start, tags, run.name)
        new_ids[run.run_id] = created.info.run_id
        metrics = [Metric(k, value, timestamp, step) for k, h in run.histories.items()
                   for timestamp, value, step in zip(h.timestamps, h.values, h.steps, strict=True)]
        count += len(metrics)
        params = [Param(k, v) for k, v in run.params.items()]
        for start in range(0, max(len(metrics), 1), 1000):
            store.log_batch(created.info.run_id, metrics=metrics[start:start + 1000],
                            params=params if start == 0 else [], tags=[])
        store.update_run_info(created.info.run_id, RunStatus.from_string(run.status), run.end or run.start,
                              run.name)
    return ExportResult(len(experiment_ids), len(runs), count)

"""``octoup.track.session``: an MLflow run that records where a result came from.

::

    with octoup.track.session("wine") as s:
        df = s.load("wine/winequality.csv")       # records dataset name, version and sha256
        train, test = s.split(df, train=0.7, seed=1)
        with mlflow.start_run():                 # unchanged MLflow code: becomes a child run
            ...

The session is the parent run (created with ``MlflowClient``, so it is not MLflow's "active run"
and the user's ``mlflow.start_run()`` needs no ``nested=True``); while it is open the environment
points MLflow at ``<project>/runs`` and the run-context provider in :mod:`octoup.track.context`
tags every new run with the session as its parent. Under ``octoup run`` the session joins the run
that command created instead of opening a second one.
"""

from __future__ import annotations

import logging
import os
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from octoup.track import store

log = logging.getLogger(__name__)

RUN_ENV = "OCTOUP_RUN_ID"
"""Set by ``octoup run`` for the process it starts: the run a session inside it joins."""
TRACEBACK_ARTIFACT = "octoup/traceback.txt"


@dataclass
class LoadedData:
    name: str
    version: str
    sha256: str
    source: str


class Session:
    """The parent run: log to it, load and split data through it."""

    def __init__(self, client, run_id: str, experiment_id: str, root: Path):
        self.client = client
        self.run_id = run_id
        self.experiment_id = experiment_id
        self.root = root

    def log_param(self, key: str, value: Any) -> None:
        self.client.log_param(self.run_id, key, value)

    def log_params(self, params: dict[str, Any]) -> None:
        for key, value in params.items():
            self.log_param(key, value)

    def log_metric(self, key: str, value: float, step: int | None = None) -> None:
        self.client.log_metric(self.run_id, key, value, step=step)

    def log_metrics(self, metrics: dict[str, float], step: int | None = None) -> None:
        for key, value in metrics.items():
            self.log_metric(key, value, step)

    def log_artifact(self, path: str | Path, artifact_path: str | None = None) -> None:
        self.client.log_artifact(self.run_id, str(path), artifact_path)

    def set_tag(self, key: str, value: Any) -> None:
        self.client.set_tag(self.run_id, key, value)

    def autolog(self, **kwargs: Any) -> None:
        """``mlflow.autolog(**kwargs)``: the runs autologging starts nest under this session."""
        import mlflow

        mlflow.autolog(**kwargs)

    def load(self, dataset_or_path: str | Path, *, engine: str = "pandas", context: str = "train"):
        """Read a table (CSV, TSV, Parquet, JSON lines) from a file or a project dataset
        (``"wine"`` or ``"wine/winequality.csv"``) and record its name, version and sha256."""
        from octoup.track.loading import read_table, resolve

        found = resolve(self.root, dataset_or_path)
        frame = read_table(found.local or found.opener(), found.file_name, engine)
        self._record(found.data, context)
        return frame

    def _record(self, data: LoadedData, context: str) -> None:
        from mlflow.entities import Dataset, DatasetInput, InputTag

        self.set_tag(f"octoup.loaded.{data.name}", f"{data.version}@{data.sha256}")
        dataset = Dataset(name=data.name, digest=data.sha256[:12], source_type="octoup",
                          source=data.source)
        tags = [InputTag("mlflow.data.context", context)]
        self.client.log_inputs(self.run_id, [DatasetInput(dataset, tags)])

    def split(self, frame, train: float = 0.7, seed: int = 0):
        """``(train, test)``: a seeded random split of a pandas or polars frame; logged as params."""
        from octoup.track.loading import split

        first, second = split(frame, train, seed)
        self.log_params({"split.train": train, "split.seed": seed,
                         "split.rows": f"{len(first)}/{len(second)}"})
        return first, second


@contextmanager
def session(experiment: str | None = None, *, run_name: str | None = None,
            root: str | Path | None = None) -> Iterator[Session]:
    """Open a tracked session (the parent MLflow run) in ``<project>/runs/<experiment>/``
    (default experiment: the project folder's name)."""
    from octoup.project_root import project_folder

    project = project_folder(Path(root) if root else None)
    client = store.client(project)
    joined = os.environ.get(RUN_ENV)
    if joined:
        run = client.get_run(joined)
        if experiment is not None and run.info.experiment_id != experiment:
            log.warning("session(%r) joins the run `octoup run` started in experiment %r; pass "
                        "`octoup run -e %s` to file it under %s", experiment, run.info.experiment_id,
                        experiment, experiment)
        yield Session(client, joined, run.info.experiment_id, project)
        return
    from octoup.track import provenance
    from octoup.track.parent import open_parent

    source = sys.argv[0] if sys.argv and sys.argv[0] else "<interactive>"
    writer = open_parent(project, experiment=experiment, run_name=run_name,
                         prefix=provenance.current_prefix(), command=sys.argv, source=source, kind="session")
    with _pointing_mlflow_at(project, writer.experiment_id, writer.run_id):
        try:
            yield Session(client, writer.run_id, writer.experiment_id, project)
        except BaseException:
            writer.log_text(traceback.format_exc(), TRACEBACK_ARTIFACT)
            writer.terminate("FAILED")
            raise
    writer.terminate("FINISHED")


@contextmanager
def _pointing_mlflow_at(project: Path, experiment_id: str, run_id: str) -> Iterator[None]:
    """Environment variables MLflow reads on every call; the user's own settings win."""
    wanted = {store.PARENT_ENV: run_id, store.ALLOW_FILE_STORE: "true"}
    if "MLFLOW_TRACKING_URI" not in os.environ:
        wanted["MLFLOW_TRACKING_URI"] = store.tracking_uri(project)
    if not {"MLFLOW_EXPERIMENT_ID", "MLFLOW_EXPERIMENT_NAME"} & os.environ.keys():
        wanted["MLFLOW_EXPERIMENT_ID"] = experiment_id
    saved = {key: os.environ.get(key) for key in wanted}
    os.environ.update(wanted)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


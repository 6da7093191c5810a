"""Write a run in MLflow's file-store layout without importing MLflow.

``octoup run`` creates the parent run before the script starts; importing MLflow for that costs
more than a second, so the few files of a new run are written here, in the layout
``MlflowClient("file:runs")`` and ``mlflow ui`` read (tests check it with ``MlflowClient``):
``<exp>/meta.yaml``, ``<exp>/<run_id>/{meta.yaml, tags/, params/, metrics/, artifacts/}``.
Everything written here passes through :func:`octoup.secrets.redact`.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from octoup.secrets import redact
from octoup.textfiles import write_atomic
from octoup.track.reader import read_yaml
from octoup.track.store import check_experiment

STATUS = {"RUNNING": 1, "FINISHED": 3, "FAILED": 4, "KILLED": 5}


def _yaml(data: dict) -> str:
    """YAML for flat mappings of str/int/None (JSON scalars are valid YAML)."""
    def scalar(value: object) -> str:
        if isinstance(value, str):
            return json.dumps(value)
        return "null" if value is None else "[]" if value == [] else str(value)

    return "".join(f"{key}: {scalar(value)}\n" for key, value in data.items())


def _now() -> int:
    return int(time.time() * 1000)


def ensure_experiment(runs: Path, name: str) -> str:
    """The id of experiment ``name`` (a folder whose meta.yaml has that name), else ``runs/<name>/``."""
    check_experiment(name)
    folder = runs / name
    if (folder / "meta.yaml").is_file():
        return name
    for meta in runs.glob("*/meta.yaml"):
        try:
            if read_yaml(meta).get("name") == name:
                return meta.parent.name
        except Exception:  # an unreadable experiment is reported by `octoup runs ls`, not here
            continue
    folder.mkdir(parents=True, exist_ok=True)
    now = _now()
    write_atomic(folder / "meta.yaml", _yaml({
        "artifact_location": folder.resolve().as_uri(), "creation_time": now, "experiment_id": name,
        "last_update_time": now, "lifecycle_stage": "active", "name": name}))
    return name


@dataclass
class RunWriter:
    folder: Path
    experiment_id: str
    run_id: str
    run_name: str
    start: int

    @classmethod
    def create(cls, runs: Path, experiment_id: str, run_name: str, tags: dict[str, str]) -> RunWriter:
        run_id = uuid.uuid4().hex
        folder = runs / experiment_id / run_id
        for part in ("tags", "params", "metrics", "artifacts"):
            (folder / part).mkdir(parents=True)
        writer = cls(folder, experiment_id, run_id, run_name, _now())
        for key, value in (tags | {"mlflow.runName": run_name}).items():
            writer.set_tag(key, value)
        writer._meta("RUNNING", None)
        return writer

    def _meta(self, status: str, end: int | None) -> None:
        write_atomic(self.folder / "meta.yaml", _yaml({
            "artifact_uri": (self.folder / "artifacts").resolve().as_uri(), "end_time": end,
            "entry_point_name": "", "experiment_id": self.experiment_id, "lifecycle_stage": "active",
            "run_id": self.run_id, "run_name": self.run_name, "source_name": "", "source_type": 4,
            "source_version": "", "start_time": self.start, "status": STATUS[status], "tags": [],
            "user_id": "unknown"}))

    def _value(self, kind: str, key: str, value: object) -> None:
        path = self.folder / kind / key
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, redact(str(value)))

    def set_tag(self, key: str, value: object) -> None:
        self._value("tags", key, value)

    def log_param(self, key: str, value: object) -> None:
        self._value("params", key, value)

    def log_text(self, text: str, artifact: str) -> None:
        """Write an artifact; known secrets (octoup.secrets) are masked, as runs/ gets committed."""
        path = self.folder / "artifacts" / artifact
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, redact(text))

    def log_file(self, source: Path, artifact: str) -> None:
        """A text file (output log, executed notebook) as an artifact, secrets masked."""
        self.log_text(source.read_text(encoding="utf-8", errors="replace"), artifact)

    def terminate(self, status: str) -> None:
        self._meta(status, _now())

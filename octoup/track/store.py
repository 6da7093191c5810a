"""Where runs live (``<project>/runs``, MLflow's file-store layout) and how to open it with MLflow.

MLflow 3 deprecates the file store and refuses it unless ``MLFLOW_ALLOW_FILE_STORE=true``; octoup
sets that variable for itself and for the processes it starts, because a folder of plain files is
what can be committed, diffed and read offline. ``octoup runs export --to sqlite`` gives the
database route. Experiments are stored under their name (``runs/wine/<run_id>/``), which MLflow
accepts as an experiment id.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from octoup.errors import MissingDependency, OctoupError

RUNS_DIR = "runs"
ALLOW_FILE_STORE = "MLFLOW_ALLOW_FILE_STORE"
PARENT_ENV = "OCTOUP_PARENT_RUN_ID"
"""The session run that octoup.track.context makes the parent of new MLflow runs."""
EXPERIMENT = re.compile(r"^[a-zA-Z0-9][\w\-]{0,63}$")
NOT_RUNS = {"datasets", "traces", "models", "logged_models", "outputs"}


def runs_folder(root: Path) -> Path:
    return root / RUNS_DIR


def tracking_uri(root: Path) -> str:
    return f"file:{runs_folder(root)}"


def check_experiment(name: str) -> str:
    if not EXPERIMENT.fullmatch(name):
        raise OctoupError(f"'{name}' is not a usable experiment name: it becomes the folder runs/{name}/",
                          "Use letters, digits, '_' and '-' (up to 64), starting with a letter or digit.")
    return name


def client(root: Path):
    """An ``MlflowClient`` on the project's ``runs/`` folder."""
    try:
        from mlflow import MlflowClient
    except ImportError:
        raise MissingDependency("mlflow", "track") from None
    os.environ[ALLOW_FILE_STORE] = "true"
    runs_folder(root).mkdir(parents=True, exist_ok=True)
    return MlflowClient(tracking_uri(root))


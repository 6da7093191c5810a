"""Read ``<project>/runs`` directly (MLflow's file-store layout), fast and forgiving.

``octoup runs`` and the insights site read thousands of runs; going through ``MlflowClient`` costs
one call per run and metric. A run folder that cannot be read (missing or broken ``meta.yaml``) is
skipped with a warning naming it, and every other run is still returned.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from octoup.errors import OctoupError
from octoup.track.store import NOT_RUNS, runs_folder

STATUS = {1: "RUNNING", 2: "SCHEDULED", 3: "FINISHED", 4: "FAILED", 5: "KILLED"}
RUN_ID = re.compile(r"^[0-9a-f]{32}$")


class Deleted(Exception):
    """A run ``mlflow gc`` has not removed yet: not shown, not a warning."""


@dataclass
class History:
    """One metric's values in logging order, as columns (fast to read and to embed)."""

    timestamps: list[int]
    values: list[float]
    steps: list[int]

    def latest(self) -> float | None:
        """MLflow's "latest" value: highest step, then newest timestamp, then largest value."""
        return max(zip(self.steps, self.timestamps, self.values, strict=True))[2] if self.values else None


@dataclass
class Run:
    run_id: str
    experiment: str
    name: str
    status: str
    start: int
    end: int | None
    folder: Path
    params: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    metric_keys: list[str] = field(default_factory=list)

    @property
    def parent(self) -> str | None:
        return self.tags.get("mlflow.parentRunId")

    @property
    def seconds(self) -> float | None:
        return (self.end - self.start) / 1000 if self.end else None

    @cached_property
    def histories(self) -> dict[str, History]:
        return {key: read_metric(self.folder / "metrics" / key) for key in self.metric_keys}

    @cached_property
    def metrics(self) -> dict[str, float]:
        """The latest value of each metric, as MLflow reports it."""
        return {key: value for key, history in self.histories.items()
                if (value := history.latest()) is not None}

    def artifacts(self) -> list[str]:
        base = self.folder / "artifacts"
        return sorted(p.relative_to(base).as_posix() for p in base.rglob("*") if p.is_file())


@dataclass
class Scan:
    runs: list[Run]
    warnings: list[str]

    def find(self, ref: str) -> Run:
        """A run by id, unique id prefix (4+ characters) or unique run name."""
        exact = [r for r in self.runs if r.run_id == ref]
        matches = exact or [r for r in self.runs if len(ref) >= 4 and r.run_id.startswith(ref)] \
            or [r for r in self.runs if r.name == ref]
        if len(matches) == 1:
            return matches[0]
        if not matches:
            short = len(ref) < 4 and any(r.run_id.startswith(ref) for r in self.runs)
            raise OctoupError(f"no run {ref!r} in runs/", "Give at least 4 characters of the run id."
                              if short else "List runs with `octoup runs ls`.")
        shown = ", ".join(f"{r.run_id[:8]} ({r.experiment}/{r.name})" for r in matches[:5])
        raise OctoupError(f"{ref!r} matches {len(matches)} runs: {shown}", "Give more of the run id.")


def read_yaml(path: Path) -> dict:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
    if not isinstance(data, dict):
        raise ValueError("not a mapping")
    return data


def _values(folder: Path) -> dict[str, str]:
    if not folder.is_dir():
        return {}
    return {p.relative_to(folder).as_posix(): p.read_text(encoding="utf-8")
            for p in folder.rglob("*") if p.is_file()}


def read_metric(path: Path) -> History:
    """A metric file: one ``timestamp value step`` line per value (``step`` absent in old files)."""
    text = path.read_text(encoding="utf-8")
    words = text.split()
    if len(words) == 3 * text.count("\n"):  # every line complete: slice the columns in C
        return History(list(map(int, words[0::3])), list(map(float, words[1::3])),
                       list(map(int, words[2::3])))
    rows = [line.split() for line in text.splitlines()]
    rows = [r for r in rows if len(r) >= 2]
    return History([int(r[0]) for r in rows], [float(r[1]) for r in rows],
                   [int(r[2]) if len(r) > 2 else 0 for r in rows])


def read_run(folder: Path, experiment: str) -> Run:
    meta = read_yaml(folder / "meta.yaml")
    if meta.get("lifecycle_stage") == "deleted":
        raise Deleted(folder.name)
    metrics = folder / "metrics"
    keys = sorted(p.relative_to(metrics).as_posix() for p in metrics.rglob("*") if p.is_file()) \
        if metrics.is_dir() else []
    tags = _values(folder / "tags")
    return Run(run_id=str(meta["run_id"]), experiment=experiment,
               name=tags.get("mlflow.runName") or str(meta.get("run_name") or ""),
               status=STATUS.get(meta["status"], str(meta["status"])), start=int(meta["start_time"]),
               end=int(meta["end_time"]) if meta.get("end_time") else None, folder=folder,
               params=_values(folder / "params"), tags=tags, metric_keys=keys)


def scan(root: Path, experiment: str | None = None) -> Scan:
    """Every readable run under ``<root>/runs``, newest first, and a warning per unreadable one."""
    base = runs_folder(root)
    runs: list[Run] = []
    warnings: list[str] = []
    if not base.is_dir():
        return Scan(runs, warnings)
    for exp_folder in sorted(p for p in base.iterdir() if p.is_dir() and not p.name.startswith(".")):
        if not (exp_folder / "meta.yaml").exists() and not any(
                RUN_ID.fullmatch(p.name) for p in exp_folder.iterdir()):
            continue  # not an experiment (e.g. models/ of MLflow's file model registry)
        try:
            name = str(read_yaml(exp_folder / "meta.yaml")["name"])
        except Exception as exc:  # OSError, yaml.YAMLError, KeyError...
            warnings.append(f"runs/{exp_folder.name}: skipped, its meta.yaml is unreadable ({_why(exc)})")
            continue
        if experiment is not None and experiment not in (name, exp_folder.name):
            continue
        for folder in sorted(exp_folder.iterdir()):
            if not folder.is_dir() or folder.name in NOT_RUNS or not RUN_ID.fullmatch(folder.name):
                continue
            try:
                runs.append(read_run(folder, name))
            except Deleted:
                continue
            except Exception as exc:  # any damage to one run folder must not hide the others
                warnings.append(f"runs/{exp_folder.name}/{folder.name}: skipped, not a readable run "
                                f"({_why(exc)})")
    runs.sort(key=lambda r: r.start, reverse=True)
    return Scan(runs, warnings)


def _why(exc: BaseException) -> str:
    if isinstance(exc, FileNotFoundError):
        return "meta.yaml is missing"
    if isinstance(exc, KeyError):
        return f"meta.yaml has no {exc.args[0]}"
    return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}".rstrip(": ")

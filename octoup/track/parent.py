"""The parent run that ``octoup run`` and ``octoup.track.session`` open: provenance tags, the env
lock as an artifact, in ``runs/<experiment>/``."""

from __future__ import annotations

import re
import time
from pathlib import Path

from octoup.track import provenance, store
from octoup.track.filestore import RunWriter, ensure_experiment


def project_name(root: Path) -> str:
    """octoup.toml's ``[project] name``, else the project folder's name."""
    from octoup.project_root import CONFIG_FILE
    from octoup.textfiles import read_toml

    config = root / CONFIG_FILE
    name = read_toml(config).get("project", {}).get("name") if config.is_file() else None
    return str(name or root.name)


def default_experiment(root: Path) -> str:
    """The project's name as an experiment name."""
    return re.sub(r"[^\w\-]+", "-", project_name(root)).strip("-_")[:64] or "default"


def open_parent(root: Path, *, experiment: str | None, run_name: str | None, prefix: Path,
                command: list[str], source: str, kind: str) -> RunWriter:
    runs = store.runs_folder(root)
    experiment_id = ensure_experiment(runs, experiment or default_experiment(root))
    prov = provenance.collect(root, prefix=prefix, command=command, source=source,
                              source_type="NOTEBOOK" if kind == "notebook" else "LOCAL")
    name = run_name or f"{Path(source).stem or kind}-{time.strftime('%Y%m%d-%H%M%S')}"
    writer = RunWriter.create(runs, experiment_id, name, prov.tags | {"octoup.kind": kind})
    writer.log_text(prov.lock, provenance.LOCK_ARTIFACT)
    return writer

"""What a run records about where it came from: git commit, env hash and lock, data versions,
command line and host. Values become tags (``octoup.*`` plus MLflow's own ``mlflow.source.*``);
the env lock is logged as the artifact ``octoup/env-lock.txt``."""

from __future__ import annotations

import getpass
import hashlib
import json
import platform
import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path

from octoup import git

LOCK_ARTIFACT = "octoup/env-lock.txt"
DATA_TAG = "octoup.data."


@dataclass
class Provenance:
    tags: dict[str, str] = field(default_factory=dict)
    lock: str = ""


def collect(root: Path, *, prefix: Path, command: list[str], source: str, source_type: str = "LOCAL"
            ) -> Provenance:
    """Everything a run records about its origin, for a run of ``command`` in env ``prefix``."""
    tags = {
        "octoup.command": shlex.join(command),
        "octoup.host": platform.node(),
        "octoup.python": platform.python_version(),
        "mlflow.user": _user(),
        "mlflow.source.name": source,
        "mlflow.source.type": source_type,
    }
    tags |= git_tags(root)
    lock = env_lock(prefix)
    tags |= env_tags(root, prefix, lock)
    tags |= data_tags(root)
    return Provenance(tags, lock)


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def git_tags(root: Path) -> dict[str, str]:
    top = git.work_tree(root)
    if top is None:
        return {"octoup.git.commit": "none"}
    try:
        commit = git.run(root, "rev-parse", "HEAD").strip()
    except git.GitError:
        return {"octoup.git.commit": "none (no commits yet)"}
    # runs/ changes with every run: it does not make the code dirty
    changed = git.run(root, "status", "--porcelain", "--untracked-files=no", "--", ".", ":!runs")
    return {"octoup.git.commit": commit, "octoup.git.dirty": str(bool(changed.strip())).lower(),
            "mlflow.source.git.commit": commit}


def env_lock(prefix: Path) -> str:
    """``name==version`` of every distribution in the env, sorted: the run's exact packages.

    Read from the metadata folder names (``name-version.dist-info``, conda's
    ``name-version-build.json``), not from each METADATA file: this runs before every script.
    """
    from packaging.utils import canonicalize_name

    from octoup.env.installed import site_packages

    found: dict[str, str] = {}
    for record in (prefix / "conda-meta").glob("*.json"):
        name, version, _ = record.stem.rsplit("-", 2)
        found[canonicalize_name(name)] = version
    for folder in site_packages(prefix):
        for meta in (*folder.glob("*.dist-info"), *folder.glob("*.egg-info")):
            name, _, rest = meta.stem.partition("-")
            if rest:
                found.setdefault(canonicalize_name(name), rest.split("-", 1)[0])
    return "".join(f"{name}=={version}\n" for name, version in sorted(found.items()))


def env_tags(root: Path, prefix: Path, lock: str) -> dict[str, str]:
    from octoup.env import settings
    from octoup.env.state import read_state
    from octoup.project_root import display

    tags = {"octoup.env.prefix": str(display(prefix, root)),
            "octoup.env.lock_sha256": hashlib.sha256(lock.encode()).hexdigest()}
    try:
        project_env = settings.load(root).prefix(root)
    except Exception:  # a broken octoup.toml must not stop a run from being recorded
        return tags
    state = read_state(project_env)
    if state is not None and project_env.resolve() == prefix.resolve():
        tags |= {"octoup.env.hash": state.hash, "octoup.env.source": state.source}
    return tags


def data_tags(root: Path) -> dict[str, str]:
    """``octoup.data.<name>`` = ``<version>@<sha256 of its manifest, 12 hex>`` for each dataset."""
    from octoup.data.manifest import META_DIR

    tags = {}
    for path in sorted((root / META_DIR).glob("*/manifest.json")):
        raw = path.read_bytes()
        try:
            version = json.loads(raw).get("version") or "latest"
        except ValueError:
            version = "unreadable"
        tags[DATA_TAG + path.parent.name] = f"{version}@{hashlib.sha256(raw).hexdigest()[:12]}"
    return tags


def current_prefix() -> Path:
    return Path(sys.prefix)

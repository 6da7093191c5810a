"""``octoup data track`` and ``octoup init``: make plain ``git add``/``git push`` send matching files
to the project's bucket, and re-apply the per-clone part of that after a plain ``git clone``."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from octoup.errors import OctoupError
from octoup.gitdata import repo
from octoup.gitdata.store import StoreMissing, locate, record


@dataclass
class TrackSummary:
    root: Path
    store: str
    patterns: list[str]
    new_patterns: list[str]
    configured: list[str]
    recorded: list[str]
    bucket_created: bool
    ignored: list[str] = field(default_factory=list)
    ignore_rule: str | None = None


@dataclass
class InitSummary:
    root: Path
    configured: list[str]
    store: str | None
    store_missing: str | None = None


def track(patterns: list[str], cloud: str | None = None, start: Path | None = None,
          announce=print) -> TrackSummary:
    from octoup import config
    from octoup.project_root import find_root

    root = repo.top(start)
    project = config.open_project(find_root(start or Path.cwd()) or root, announce=announce)
    before = repo.tracked_patterns(root) if repo.lfs_available() else []
    current = project.config.project.default_cloud
    if cloud and cloud != current and before:
        raise OctoupError(f"this repository's git data already lives on '{current}' ({', '.join(before)} "
                          f"tracked), not on '{cloud}'",
                          f"Leave out --cloud to track more files there; to move the data, clone with "
                          f"`octoup clone URL DIR --copy-data --cloud {cloud} --project-store`.")
    store = locate(project, cloud)
    created = store.storage.ensure_bucket(store.bucket).created
    recorded = record(project, store, local=False)
    new = repo.track(root, patterns)
    configured = repo.configure(root)
    hidden = repo.ignored(root, patterns)
    return TrackSummary(root, store.uri, repo.tracked_patterns(root), new, configured, recorded, created,
                        hidden, repo.ignore_rule(root, hidden[0]) if hidden else None)


def init(start: Path | None = None) -> InitSummary:
    from octoup import config
    from octoup.project_root import find_root

    root = repo.top(start)
    summary = InitSummary(root, repo.configure(root), None)
    project_root = find_root(start or Path.cwd())
    if project_root is None:
        return summary
    store = locate(config.load(project_root))
    summary.store = store.uri
    try:
        store.check_exists()
    except StoreMissing as exc:
        summary.store_missing = f"{exc.message}\nhint: {exc.hint}"
    return summary

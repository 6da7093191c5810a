"""``octoup runs diff A B``: what differs between two runs: params, metrics, env, data, code."""

from __future__ import annotations

from dataclasses import dataclass, field

from octoup.track.provenance import DATA_TAG, LOCK_ARTIFACT
from octoup.track.reader import Run

CODE_TAGS = ("octoup.git.commit", "octoup.git.dirty", "octoup.command", "octoup.host")
ENV_TAGS = ("octoup.env.hash", "octoup.env.lock_sha256", "octoup.env.prefix", "octoup.python")


@dataclass
class Change:
    key: str
    a: object
    b: object


@dataclass
class RunDiff:
    a: str
    b: str
    params: list[Change] = field(default_factory=list)
    metrics: list[Change] = field(default_factory=list)
    code: list[Change] = field(default_factory=list)
    env: list[Change] = field(default_factory=list)
    packages: list[Change] = field(default_factory=list)
    data: list[Change] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.params or self.metrics or self.code or self.env or self.packages or self.data)


def _changes(a: dict, b: dict, keys=None) -> list[Change]:
    keys = sorted(set(a) | set(b)) if keys is None else keys
    return [Change(k, a.get(k), b.get(k)) for k in keys if a.get(k) != b.get(k)]


def _lock(run: Run) -> dict[str, str]:
    path = run.folder / "artifacts" / LOCK_ARTIFACT
    if not path.is_file():
        return {}
    pairs = (line.partition("==") for line in path.read_text(encoding="utf-8").splitlines())
    return {name: version for name, _, version in pairs if name}


def diff(a: Run, b: Run) -> RunDiff:
    result = RunDiff(a.run_id, b.run_id, params=_changes(a.params, b.params),
                     metrics=_changes(a.metrics, b.metrics),
                     code=_changes(a.tags, b.tags, CODE_TAGS), env=_changes(a.tags, b.tags, ENV_TAGS))
    result.data = _changes({k: v for k, v in a.tags.items() if k.startswith((DATA_TAG, "octoup.loaded."))},
                           {k: v for k, v in b.tags.items() if k.startswith((DATA_TAG, "octoup.loaded."))})
    if a.tags.get("octoup.env.lock_sha256") != b.tags.get("octoup.env.lock_sha256"):
        result.packages = _changes(_lock(a), _lock(b))
    return result

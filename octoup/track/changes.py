"""``octoup status``: what changed since the last commit and should be committed: environment
files, runs under ``runs/`` and dataset manifests under ``data/.octoup/``."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from octoup import git
from octoup.errors import OctoupError


@dataclass
class Group:
    files: list[tuple[str, str]] = field(default_factory=list)  # (path, "modified"/"new"/"deleted")
    insertions: int = 0
    deletions: int = 0


@dataclass
class Changes:
    env: Group
    runs: Group
    data: Group
    runs_by_experiment: dict[str, int] = field(default_factory=dict)
    ignored: dict[str, str] = field(default_factory=dict)
    """Watched folders git ignores, and the rule that does it (``.gitignore:1:runs/``)."""

    @property
    def paths(self) -> list[str]:
        return sorted({p for g in (self.env, self.runs, self.data) for p, _ in g.files})


KINDS = {"M": "modified", "A": "new", "?": "new", "D": "deleted", "R": "renamed"}


def _env_files(root: Path) -> list[str]:
    from octoup.env.detect import detect

    try:
        detection = detect(root)
    except OctoupError:
        return []
    return [f.path for f in detection.files if f.format != "binder"]


def changes(root: Path) -> Changes:
    top = git.work_tree(root)
    if top is None:
        raise OctoupError(f"{root} is not in a git repository", "Run `git init` (or `octoup create`) first.")
    env_files = _env_files(root)
    groups = {"env": (Group(), env_files), "runs": (Group(), ["runs"]),
              "data": (Group(), ["data/.octoup"])}
    for group, paths in groups.values():
        if not paths:
            continue
        out = git.run(root, "status", "--porcelain=v1", "-z", "-uall", "--", *paths)
        for entry in filter(None, out.split("\0")):
            code, path = entry[:2].strip() or "M", entry[3:]
            # porcelain paths are relative to the top of the work tree
            shown = str((top / path).relative_to(root.resolve()))
            group.files.append((shown, KINDS.get(code[0], "modified")))
        try:
            numstat = git.run(root, "diff", "--numstat", "--relative", "HEAD", "--", *paths)
        except git.GitError:  # no commit yet: every file is new
            numstat = ""
        for line in numstat.splitlines():
            added, removed, _ = line.split("\t", 2)
            group.insertions += int(added) if added.isdigit() else 0
            group.deletions += int(removed) if removed.isdigit() else 0
        for path, kind in group.files:
            if kind == "new" and not path.startswith("runs/") and (root / path).is_file():
                group.insertions += sum(1 for _ in (root / path).open("rb"))
    result = Changes(groups["env"][0], groups["runs"][0], groups["data"][0])
    run_folders = {tuple(p.split("/")[1:3]) for p, kind in result.runs.files
                   if kind == "new" and p.count("/") >= 3}
    result.runs_by_experiment = dict(Counter(exp for exp, _ in run_folders))
    result.ignored = _ignored(root, ["runs", "data/.octoup"])
    return result


def _ignored(root: Path, folders: list[str]) -> dict[str, str]:
    """Which of ``folders`` (that exist) git ignores, with the rule (``git check-ignore -v``)."""
    import subprocess

    found = {}
    for folder in folders:
        if not (root / folder).exists():
            continue
        check = subprocess.run(["git", "check-ignore", "--no-index", "-v", f"{folder}/"], cwd=root,
                               capture_output=True, text=True)
        if check.returncode == 0:
            source, _, _ = check.stdout.strip().partition("\t")
            found[f"{folder}/"] = source
    return found

"""The pre-push check: refuse a push that changes a file someone else has locked.

git runs ``.git/hooks/pre-push REMOTE URL`` with one line per ref on stdin
(``<local ref> <local sha> <remote ref> <remote sha>``); the hook octoup writes feeds the same
lines to this module and then to ``git lfs pre-push``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from octoup import git

ZERO = "0" * 40


def pushed_paths(root: Path, remote: str, lines: list[str]) -> set[str]:
    """Paths changed by the commits the push would add to ``remote``."""
    paths: set[str] = set()
    for line in lines:
        parts = line.split()
        if len(parts) != 4 or set(parts[1]) == {"0"}:
            continue  # malformed, or a deletion: nothing is uploaded
        local, remote_sha = parts[1], parts[3]
        exclude = ["--not", f"--remotes={remote}"]
        if set(remote_sha) != {"0"} and subprocess.run(["git", "cat-file", "-e", remote_sha], cwd=root,
                                                      capture_output=True).returncode == 0:
            exclude.insert(0, f"^{remote_sha}")
        out = git.run(root, "log", "--format=", "--name-only", "--no-renames", local, *exclude)
        paths.update(p for p in out.splitlines() if p)
    return paths


def check(root: Path, remote: str, lines: list[str]) -> list[str]:
    """Messages for each pushed path locked by someone else (empty: the push may go on)."""
    from octoup import config
    from octoup.gitdata.locks import identity, list_locks
    from octoup.gitdata.store import locate
    from octoup.project_root import find_root

    changed = pushed_paths(root, remote, lines)
    project_root = find_root(root)
    if not changed or project_root is None:
        return []
    me = identity(root)
    return [f"{lock.path} is locked by {lock.owner} since {lock.created}"
            for lock in list_locks(locate(config.load(project_root)))
            if lock.path in changed and lock.owner != me]


def main() -> None:
    from octoup.errors import OctoupError
    from octoup.secrets import redact

    remote = sys.argv[1] if len(sys.argv) > 1 else "origin"
    root = Path(git.run(Path.cwd(), "rev-parse", "--show-toplevel").strip())
    try:
        conflicts = check(root, remote, [line for line in sys.stdin.read().splitlines() if line.strip()])
    except OctoupError as exc:
        sys.stderr.write(redact(f"octoup: cannot check data locks before pushing: {exc.message}\n"
                                + (f"hint: {exc.hint}\n" if exc.hint else "")))
        sys.exit(1)
    if conflicts:
        sys.stderr.write("octoup: push refused: this push changes data locked by someone else:\n"
                         + "".join(f"  {c}\n" for c in conflicts)
                         + "hint: wait until they push and unlock (`octoup data locks` shows them), "
                           "or break a stale lock with `octoup data unlock PATH --force`.\n")
        sys.exit(1)


if __name__ == "__main__":
    main()

"""Per-clone git set-up: git-lfs filters, the octoup agent, hooks; and ``git lfs track``.

These settings live in ``.git/config`` (git-lfs ignores custom transfer settings in a committed
``.lfsconfig``), so every clone needs them once: ``octoup clone`` and ``octoup init`` apply them,
``octoup data track`` too. Re-applying is harmless.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from octoup import git
from octoup.errors import OctoupError

AGENT = "octoup"
MARK = "# octoup pre-push hook"
LFS_HOOKS = ("post-checkout", "post-commit", "post-merge")


class NotARepository(OctoupError):
    def __init__(self, where: Path):
        super().__init__(f"{where} is not inside a git repository",
                         "Run `git init` first, or `octoup clone URL` to get one.")


class LfsMissing(OctoupError):
    def __init__(self):
        super().__init__("git-lfs is not installed (`git lfs` is not a git command here)",
                         "Install it: `apt-get install git-lfs`, `brew install git-lfs`, or "
                         "https://git-lfs.com; then run the command again.")


def top(start: Path | None = None) -> Path:
    """The work tree holding ``start`` (default: cwd)."""
    if not git.available():
        raise OctoupError("git is not installed", "Install git and run the command again.")
    found = git.work_tree(start or Path.cwd())
    if found is None:
        raise NotARepository((start or Path.cwd()).resolve())
    return found


def lfs_available() -> bool:
    return subprocess.run(["git", "lfs", "version"], capture_output=True).returncode == 0


def agent_command() -> tuple[str, str]:
    """(path, args) git-lfs runs: this environment's Python, so no PATH lookup can pick another."""
    return sys.executable, "-m octoup.gitdata.agent"


def hook_text() -> str:
    python = sys.executable.replace('"', '\\"')
    return (
        "#!/bin/sh\n"
        f"{MARK}: refuse pushes that change files locked by someone else, then git-lfs uploads.\n"
        "# Written by `octoup init`; run it again after moving the Python environment.\n"
        'command -v git-lfs >/dev/null 2>&1 || { printf >&2 "\\n%s\\n\\n" "This repository keeps data '
        'with git-lfs, which is not on your PATH: install it (https://git-lfs.com)."; exit 2; }\n'
        'refs=$(cat)\n'
        f'printf "%s\\n" "$refs" | "{python}" -m octoup.gitdata.hook "$@" || exit 1\n'
        'printf "%s\\n" "$refs" | git lfs pre-push "$@"\n'
    )


def _lfs_hook_text(name: str) -> str:
    return (
        "#!/bin/sh\n"
        'command -v git-lfs >/dev/null 2>&1 || { printf >&2 "\\n%s\\n\\n" "This repository keeps data '
        f'with git-lfs, which is not on your PATH: install it (https://git-lfs.com)."; exit 2; }}\n'
        f'git lfs {name} "$@"\n'
    )


def _hooks_dir(root: Path) -> Path:
    path = Path(git.run(root, "rev-parse", "--git-path", "hooks").strip())
    return path if path.is_absolute() else root / path


def configure(root: Path) -> list[str]:
    """Apply the per-clone settings and hooks in the repository at ``root``; what was changed."""
    if not lfs_available():
        raise LfsMissing()
    changed: list[str] = []
    git.run(root, "lfs", "install", "--local", "--skip-repo")
    path, args = agent_command()
    wanted = {
        "lfs.standalonetransferagent": AGENT,
        f"lfs.customtransfer.{AGENT}.path": path,
        f"lfs.customtransfer.{AGENT}.args": args,
        f"lfs.customtransfer.{AGENT}.concurrent": "true",
        "lfs.locksverify": "false",  # there is no LFS server; octoup's hook checks its own locks
    }
    for key, value in wanted.items():
        if _get(root, key) != value:
            git.run(root, "config", "--local", key, value)
            changed.append(key)
    hooks = _hooks_dir(root)
    hooks.mkdir(parents=True, exist_ok=True)
    changed += _write_hook(hooks / "pre-push", hook_text(), replaceable=("git lfs pre-push", MARK))
    for name in LFS_HOOKS:
        changed += _write_hook(hooks / name, _lfs_hook_text(name), replaceable=(f"git lfs {name}",))
    return changed


def _get(root: Path, key: str) -> str | None:
    result = subprocess.run(["git", "config", "--local", "--get", key], cwd=root, capture_output=True,
                            text=True)
    return result.stdout.strip() if result.returncode == 0 else None


def _write_hook(path: Path, text: str, *, replaceable: tuple[str, ...]) -> list[str]:
    """Write a hook unless the user has their own there (then say what to add to it)."""
    if path.is_file():
        current = path.read_text(errors="replace")
        if current == text:
            return []
        if not any(marker in current for marker in replaceable):
            raise OctoupError(f"{path} is your own hook; octoup will not replace it",
                              f"Add this to it, then run `octoup init` again:\n{text}")
    path.write_text(text)
    path.chmod(0o755)
    return [f"hooks/{path.name}"]


def is_configured(root: Path) -> bool:
    return _get(root, "lfs.standalonetransferagent") == AGENT


def track(root: Path, patterns: list[str]) -> list[str]:
    """``git lfs track`` each pattern (.gitattributes); the patterns that were new."""
    before = set(tracked_patterns(root))
    git.run(root, "lfs", "track", "--", *patterns)
    return [p for p in tracked_patterns(root) if p not in before]


def tracked_patterns(root: Path) -> list[str]:
    """Patterns with ``filter=lfs`` in the repository's .gitattributes files."""
    out = git.run(root, "lfs", "track", "--no-excluded") if lfs_available() else ""
    patterns = []
    for line in out.splitlines():
        line = line.strip()
        if line.endswith(")") and " (" in line:
            patterns.append(line.rsplit(" (", 1)[0])
    return patterns


def ignored(root: Path, patterns: list[str]) -> list[str]:
    """Files in the work tree matching ``patterns`` that .gitignore hides from `git add`."""
    import fnmatch

    out = git.run(root, "ls-files", "--others", "--ignored", "--exclude-standard", "-z")
    names = [n for n in out.split("\0") if n]
    return [n for n in names if any(fnmatch.fnmatch(n, p) or fnmatch.fnmatch(Path(n).name, p)
                                    for p in patterns)]


def ignore_rule(root: Path, path: str) -> str | None:
    """Where the rule hiding ``path`` lives and what it says, e.g. ``.gitignore:4 (/data/**)``."""
    result = subprocess.run(["git", "check-ignore", "-v", "--", path], cwd=root, capture_output=True,
                            text=True)
    if result.returncode != 0 or ":" not in result.stdout:
        return None
    where, _, rest = result.stdout.partition("\t")[0].rpartition(":")
    source, _, line = where.rpartition(":")
    return f"{source}:{line} ({rest})"

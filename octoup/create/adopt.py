"""``create --adopt``: plan where each file of an existing folder goes, then move it there safely.

Planning reads names only and renders the built-in template into a temporary folder to learn what
the layout adds. Applying never overwrites or deletes a file: every step is journalled and undone
if a later one fails, so a failed adopt leaves the folder as it was.
"""

from __future__ import annotations

import os
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from octoup import git
from octoup.create import layout
from octoup.create.options import (
    TemplateQuestions,
    builtin_template,
    check_module_name,
    module_name_for,
    pair_manager_and_file,
    slug,
)
from octoup.create.render import render
from octoup.errors import OctoupError
from octoup.project_root import CONFIG_FILE
from octoup.textfiles import write_atomic

GITIGNORE = ".gitignore"
ADOPT_DEFAULTS = {
    "include_code_scaffold": "no",
    "testing_framework": "none",
    "open_source_license": "none",
    "docs": "none",
}
DEPENDENCY_FILES = {
    "environment.yml": "environment.yml",
    "environment.yaml": "environment.yml",
    "Pipfile": "Pipfile",
    "requirements.txt": "requirements.txt",
    "pyproject.toml": "pyproject.toml",
}
TEMPLATE_DEPENDENCY_FILES = {"requirements.txt", "environment.yml", "Pipfile"}


@dataclass
class Step:
    """One row of the plan: move, keep, add, update or conflict."""

    action: str
    path: str
    to: str | None = None
    kind: str = ""
    note: str = ""


@dataclass
class AdoptionPlan:
    root: Path
    module: str
    options: dict[str, str]
    steps: list[Step]
    additions: dict[str, bytes] = field(repr=False)
    gitignore: bytes | None = field(repr=False)
    large: list[tuple[str, int]]
    git_top: Path | None
    capture_from: Path | None
    edits: dict[str, bytes] = field(default_factory=dict, repr=False)

    def of(self, action: str) -> list[Step]:
        return [s for s in self.steps if s.action == action]

    @property
    def conflicts(self) -> list[Step]:
        return self.of("conflict")


class AdoptConflict(OctoupError):
    def __init__(self, plan: AdoptionPlan):
        self.plan = plan
        first = plan.conflicts[0]
        super().__init__(
            f"cannot adopt {plan.root}: {len(plan.conflicts)} conflict(s), first: {first.path}: {first.note}",
            "Nothing was changed. Rename or move the files named above, or leave them where they are "
            "with --keep PATH, and run the command again.",
        )


def dependency_file(root: Path) -> str | None:
    """The project's env file format, by name alone (the first of environment.yml, Pipfile, ...)."""
    for name, kind in DEPENDENCY_FILES.items():
        if (root / name).is_file():
            return kind
    if any(root.glob("requirements*.txt")):
        return "requirements.txt"
    return None


def plan_adoption(root: Path, *, options: dict[str, str], keep: list[str], force: bool,
                  large_bytes: int, rewrite_paths: bool = False, capture: bool = False) -> AdoptionPlan:
    root = root.resolve()
    if not root.is_dir():
        raise OctoupError(f"{root} is not a folder",
                          "Give the folder to adopt, e.g. `octoup create --adopt .`.")
    if (root / CONFIG_FILE).is_file() and not force:
        raise OctoupError(
            f"{root} is already an octoup project ({CONFIG_FILE} exists)",
            "Pass --force to place new files and add what the layout is missing "
            "(nothing is overwritten or deleted).",
        )
    module = options.get("module_name") or module_name_for(slug(root.name) or "project")
    check_module_name(module, origin=f"the folder name {root.name!r}"
                      if "module_name" not in options else "--option module_name")
    found = dependency_file(root)
    from octoup.env.resolve_env import active_env

    active = active_env()
    if capture and active is None:
        raise OctoupError("--capture: no environment is active to capture",
                          "Activate the env you work in (source .venv/bin/activate, conda activate ...).")
    capture_from = active if capture or found is None else None
    template_options = _template_options(root, module, found, options)
    additions = _skeleton(template_options) | _extras(root, template_options)

    keep_set = {Path(k).as_posix().strip("/") for k in keep}
    steps = _placements(root, module, keep_set)
    moves = [s for s in steps if s.action == "move"]
    _mark_conflicts(root, moves)
    taken = {s.to for s in moves} | {s.path for s in steps}
    for relative in sorted(set(additions) - {GITIGNORE}):
        steps.append(_addition(root, relative, taken, found, capture_from))
    captured_file = _env_file(root, found)
    if capture_from is not None:
        steps.append(Step("capture", captured_file, kind="env",
                          note=f"pins what is installed in the active env {capture_from}"))
    elif active is not None:
        steps.append(Step("warn", captured_file, kind="env",
                          note=f"an env is active ({active}): --capture pins what it has "
                               f"into {captured_file}"))
    edits, warnings = _code_changes(root, steps, rewrite_paths)
    steps += [Step("edit", e.path, kind="code", note="; ".join(f"{a} -> {b}" for a, b in e.replacements))
              for e in edits]
    steps += [Step("warn", path, kind="code", note=note) for path, note in warnings]
    large = _large_files(root, steps, large_bytes)
    gitignore = _merged_gitignore(root, additions.get(GITIGNORE, b""), large)
    if gitignore is not None:
        exists = (root / GITIGNORE).exists()
        steps.append(Step("update" if exists else "add", GITIGNORE, kind="git",
                          note="appends what the layout ignores (data, envs, secrets, large files)"
                          if exists else "ignores data, envs and secrets"))
    return AdoptionPlan(
        root=root, module=module, options=template_options,
        steps=steps,
        additions={s.path: additions[s.path] for s in steps if s.action == "add" and s.path != GITIGNORE},
        gitignore=gitignore, large=large, git_top=git.work_tree(root), capture_from=capture_from,
        edits={e.path: e.data for e in edits},
    )


def _code_changes(root: Path, steps: list[Step], rewrite_paths: bool) -> tuple[list, list[tuple[str, str]]]:
    """Path-literal edits (when asked) and warnings about imports the moves break."""
    from octoup.create.rewrite import CODE_SUFFIXES, broken_imports, plan_edits

    moves = {s.path: s.to for s in steps if s.action == "move"}
    code = {s.path: s.to or s.path for s in steps
            if s.action in ("move", "keep") and s.path.endswith(CODE_SUFFIXES) and (root / s.path).is_file()}
    edits = plan_edits(root, moves, code) if rewrite_paths else []
    return edits, broken_imports(root, moves, code)


def _env_file(root: Path, found: str | None) -> str:
    """The file `octoup env capture` writes: the one that defines the env, else requirements.txt."""
    if found is None:
        return "requirements.txt"
    from octoup.env.detect import detect

    try:
        spec = detect(root).spec
    except OctoupError:  # an env file octoup cannot read: capture would not know where to write
        return found
    return spec.path.relative_to(root).as_posix() if spec else found


def _template_options(root: Path, module: str, found: str | None, options: dict[str, str]) -> dict[str, str]:
    questions = TemplateQuestions.read(builtin_template())
    questions.check(options)
    chosen = {
        "project_name": root.name,
        "repo_name": slug(root.name) or "project",
        "module_name": module,
        "python_version": f"{sys.version_info.major}.{sys.version_info.minor}",
        **ADOPT_DEFAULTS,
        **({"dependency_file": found} if found else {}),
        **options,
    }
    return pair_manager_and_file(chosen)


def _skeleton(options: dict[str, str]) -> dict[str, bytes]:
    """Every file the built-in template makes with these options, as relative path -> bytes."""
    with tempfile.TemporaryDirectory(prefix="octoup-adopt-") as scratch:
        made = render(str(builtin_template()), Path(scratch), extra=options, no_input=True)
        return {
            path.relative_to(made).as_posix(): path.read_bytes()
            for path in sorted(made.rglob("*"))
            if path.is_file()
        }


def _extras(root: Path, options: dict[str, str]) -> dict[str, bytes]:
    from octoup.create.extras import ProjectFacts, files

    tests = (root / "tests").is_dir() or any(root.glob("test_*.py")) or any(root.glob("*_test.py"))
    facts = ProjectFacts(name=options["repo_name"], python=options["python_version"],
                         conda=options.get("dependency_file") == "environment.yml", tests=tests)
    return {path.as_posix(): text.encode() for path, text in files(facts).items()}


def _placements(root: Path, module: str, keep: set[str]) -> list[Step]:
    steps = []
    for entry in sorted(root.iterdir()):
        if entry.name == ".git":
            continue
        if entry.name in keep:
            steps.append(Step("keep", entry.name, kind="kept", note="kept where it is (--keep)"))
            continue
        placed = layout.place(entry, module)
        if entry.name == "data" and entry.is_dir():
            steps += _data_folder(entry, keep)
            continue
        if placed.folder is None:
            steps.append(Step("keep", entry.name, kind=placed.kind, note=placed.reason))
        else:
            destination = f"{placed.folder}/{entry.name}"
            steps.append(Step("move", entry.name, destination, placed.kind, placed.reason))
    return steps


def _data_folder(data: Path, keep: set[str]) -> list[Step]:
    """Loose files and folders in an existing data/ go to data/raw/; the four layout folders stay."""
    steps = [Step("keep", "data", kind="layout", note="already part of the layout")]
    for entry in sorted(data.iterdir()):
        relative = f"data/{entry.name}"
        if entry.name in layout.DATA_SUBFOLDERS or entry.name.startswith(".") or relative in keep:
            continue
        steps.append(Step("move", relative, f"{layout.RAW}/{entry.name}", "data",
                          "data/ holds external, interim, processed and raw"))
    return steps


def _mark_conflicts(root: Path, moves: list[Step]) -> None:
    """Turn every move that cannot happen without overwriting something into a conflict."""
    targets: dict[str, list[Step]] = {}
    for step in moves:
        targets.setdefault(step.to, []).append(step)
    for destination, sharing in targets.items():
        blocker = _blocked(root, destination)
        for step in sharing:
            if len(sharing) > 1:
                others = ", ".join(s.path for s in sharing if s is not step)
                step.action, step.note = "conflict", f"{others} would go to {destination} too"
            elif blocker:
                step.action, step.note = "conflict", blocker


def _blocked(root: Path, destination: str) -> str | None:
    target = root / destination
    if target.exists() or target.is_symlink():
        return f"{destination} already exists"
    for parent in Path(destination).parents:
        if str(parent) != "." and (root / parent).exists() and not (root / parent).is_dir():
            return f"{parent} is a file, but the layout needs a folder there"
    return None


def _addition(root: Path, relative: str, taken: set[str | None], found: str | None,
              capture_from: Path | None) -> Step:
    existing = [p.name for p in root.iterdir()]
    if relative in taken or (root / relative).exists():
        return Step("skip", relative, kind="layout", note="you have one: yours is kept")
    if relative in TEMPLATE_DEPENDENCY_FILES and (found or capture_from):
        return Step("skip", relative, kind="env", note="the env comes from your own file")
    for prefix in ("README", "LICENSE"):
        if relative.startswith(prefix) and any(e.upper().startswith(prefix) for e in existing):
            return Step("skip", relative, kind="project", note=f"you have a {prefix}")
    blocker = _blocked(root, relative)
    if blocker:
        return Step("conflict", relative, kind="layout", note=blocker)
    return Step("add", relative, kind="layout", note="part of the layout")


def _large_files(root: Path, steps: list[Step], threshold: int) -> list[tuple[str, int]]:
    large = []
    for step in steps:
        if step.action not in ("move", "keep") or step.kind not in ("data", "model", "other", "layout"):
            continue
        source = root / step.path
        final = step.to or step.path
        for path in [source] if source.is_file() else sorted(p for p in source.rglob("*") if p.is_file()):
            if ".git" in path.parts or path.stat().st_size < threshold:
                continue
            inside = path.relative_to(source).as_posix() if path != source else ""
            large.append((f"{final}/{inside}".rstrip("/"), path.stat().st_size))
    return sorted(large)


def _merged_gitignore(root: Path, template: bytes, large: list[tuple[str, int]]) -> bytes | None:
    """The .gitignore after adopting: the user's lines kept, the layout's and large files appended."""
    path = root / GITIGNORE
    extra = [f"/{name}" for name, _ in large if not name.startswith("data/")]
    if not path.exists():
        block = "\n# Large files: keep them in the project's bucket (`octoup data track`)\n" if extra else ""
        return template + (block + "\n".join(extra) + "\n").encode() if extra else template
    current = path.read_bytes()
    have = {line.strip() for line in current.decode("utf-8", "replace").splitlines()}
    wanted = [line for line in template.decode().splitlines()
              if line.strip() and not line.startswith("#") and line.strip() not in have]
    wanted += [line for line in extra if line not in have]
    if not wanted:
        return None
    kept = current.rstrip(b"\n") + b"\n\n" if current.strip() else b""
    return kept + ("# Added by `octoup create --adopt`\n" + "\n".join(wanted) + "\n").encode()


@dataclass
class Applied:
    moved: int
    added: int
    git: str
    captured: Path | None = None


class _Journal:
    """Undo actions, run newest first when a later step fails."""

    def __init__(self) -> None:
        self.undo: list = []

    def mkdirs(self, folder: Path) -> None:
        missing = []
        for parent in [folder, *folder.parents]:
            if parent.exists():
                break
            missing.append(parent)
        for parent in reversed(missing):
            parent.mkdir()
            self.undo.append(lambda p=parent: p.rmdir())

    def rollback(self) -> None:
        for action in reversed(self.undo):
            try:
                action()
            except OSError as exc:  # keep undoing the rest; say what could not be put back
                sys.stderr.write(f"warning: could not undo a step: {exc}\n")


def apply(plan: AdoptionPlan, *, init_git: bool = True) -> Applied:
    if plan.conflicts:
        raise AdoptConflict(plan)
    root = plan.root
    tracked = git.tracked(root) if plan.git_top else set()
    journal = _Journal()
    try:
        for step in plan.of("move"):
            _move(root, step, tracked, journal)
        for relative, data in plan.additions.items():
            _create(root / relative, data, journal)
        for relative, data in plan.edits.items():
            _replace(root / relative, data, journal)
        if plan.gitignore is not None:
            _replace(root / GITIGNORE, plan.gitignore, journal)
        captured = _capture(plan, journal) if plan.capture_from else None
    except BaseException:
        journal.rollback()
        raise
    state = _git_after(plan, init_git)
    return Applied(moved=len(plan.of("move")), added=len(plan.additions), git=state, captured=captured)


def _move(root: Path, step: Step, tracked: set[str], journal: _Journal) -> None:
    source, target = root / step.path, root / step.to
    if target.exists():  # appeared since planning: never move over it
        raise OctoupError(f"{step.to} appeared while adopting; nothing was changed",
                          "Run the command again to make a new plan.")
    journal.mkdirs(target.parent)
    in_git = step.path in tracked or any(t.startswith(step.path + "/") for t in tracked)
    if in_git:
        git.run(root, "mv", "--", step.path, step.to)
        journal.undo.append(lambda: git.run(root, "mv", "--", step.to, step.path))
    else:
        os.rename(source, target)
        journal.undo.append(lambda: os.rename(target, source))


def _create(path: Path, data: bytes, journal: _Journal) -> None:
    journal.mkdirs(path.parent)
    with open(path, "xb") as handle:  # "x": fails rather than overwrite
        journal.undo.append(path.unlink)
        handle.write(data)


def _replace(path: Path, data: bytes, journal: _Journal) -> None:
    if not path.exists():
        _create(path, data, journal)
        return
    original = path.read_bytes()
    write_atomic(path, data)
    journal.undo.append(lambda: path.write_bytes(original))


def _capture(plan: AdoptionPlan, journal: _Journal) -> Path:
    """Pin the active env into the project's env file (requirements.txt when it had none)."""
    from octoup.env.capture import capture
    from octoup.env.detect import detect
    from octoup.env.installed import read

    target = plan.root / next(s.path for s in plan.steps if s.action == "capture")
    original = target.read_bytes() if target.exists() else None
    journal.undo.append(lambda: target.write_bytes(original) if original is not None
                        else target.unlink(missing_ok=True))
    # the template's pyproject.toml (no dependencies) is new: requirements.txt still holds the env
    fmt = "requirements" if target.name.startswith("requirements") else None
    return capture(detect(plan.root), read(plan.capture_from), fmt=fmt).path


def _git_after(plan: AdoptionPlan, init_git: bool) -> str:
    root = plan.root
    if plan.git_top is not None:
        captured = [s.path for s in plan.of("capture")]
        written = [p for p in [*plan.additions, *plan.edits, GITIGNORE, *captured] if (root / p).exists()]
        wanted = git.run(root, "ls-files", "-z", "--others", "--modified", "--exclude-standard", "--",
                         *written).split("\0")
        if any(wanted):
            git.run(root, "add", "--", *[p for p in wanted if p])
        return f"moves and new files staged in the git repository at {plan.git_top}"
    if not init_git:
        return "not a git repository (--no-git)"
    if not git.available():
        return "git is not installed: run `git init` yourself"
    git.init(root)
    git.run(root, "add", "--all")
    return "git repository initialised; everything but ignored files is staged"

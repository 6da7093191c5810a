"""Template options: ``--option key=value`` pairs, checked against the template's cookiecutter.json."""

from __future__ import annotations

import keyword
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from octoup.errors import OctoupError

BUILTIN = "ccds"

# Which dependency file goes with which environment manager, both ways (the first is the default).
FILE_FOR_MANAGER = {"conda": "environment.yml", "pipenv": "Pipfile"}
MANAGER_FOR_FILE = {"environment.yml": "conda", "Pipfile": "pipenv"}


def builtin_template() -> Path:
    from octoup.resources import templates_dir

    return templates_dir() / BUILTIN


def parse_pairs(pairs: list[str]) -> dict[str, str]:
    """``["key=value", ...]`` as a dict; a pair without ``=`` is an error naming it."""
    options: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise OctoupError(f"--option {pair!r} is not key=value",
                              "Write it like --option dependency_file=pyproject.toml.")
        options[key.strip()] = value.strip()
    return options


@dataclass(frozen=True)
class TemplateQuestions:
    """What a template asks: each key's default, and the allowed values of choice keys."""

    defaults: dict[str, Any]

    @classmethod
    def read(cls, template: Path) -> TemplateQuestions:
        from octoup.textfiles import read_json

        data = read_json(template / "cookiecutter.json")
        return cls({k: v for k, v in data.items() if not k.startswith("_")})

    def choices(self, key: str) -> list[str] | None:
        value = self.defaults.get(key)
        return [str(v) for v in value] if isinstance(value, list) else None

    def check(self, options: dict[str, str]) -> None:
        for key, value in options.items():
            if key not in self.defaults:
                raise OctoupError(f"the template has no option {key!r}",
                                  f"Options: {', '.join(self.defaults)}.")
            allowed = self.choices(key)
            if allowed is not None and value not in allowed:
                raise OctoupError(f"{key}={value!r} is not one of: {', '.join(allowed)}",
                                  f"Pass --option {key}={allowed[0]}, for example.")


def pair_manager_and_file(options: dict[str, str]) -> dict[str, str]:
    """Fill in the dependency file from the manager (or the reverse) and refuse pairs that clash."""
    options = dict(options)
    manager, file = options.get("environment_manager"), options.get("dependency_file")
    if manager and not file and manager in FILE_FOR_MANAGER:
        options["dependency_file"] = FILE_FOR_MANAGER[manager]
    elif file and not manager and file in MANAGER_FOR_FILE:
        options["environment_manager"] = MANAGER_FOR_FILE[file]
    manager, file = options.get("environment_manager"), options.get("dependency_file")
    if manager and file:
        wanted = FILE_FOR_MANAGER.get(manager)
        wanted_manager = MANAGER_FOR_FILE.get(file)
        if (wanted and file != wanted) or (wanted_manager and manager not in (wanted_manager, "none")):
            raise OctoupError(
                f"environment_manager={manager} does not go with dependency_file={file}",
                "conda uses environment.yml, pipenv uses Pipfile; uv and virtualenv use "
                "requirements.txt or pyproject.toml.",
            )
    return options


def slug(name: str) -> str:
    from slugify import slugify

    return slugify(name)


def module_name_for(repo_name: str) -> str:
    return repo_name.replace("-", "_")


def check_module_name(module: str, *, origin: str) -> None:
    """A usable, importable package name, or an error saying how to choose one."""
    hint = "Choose another with --option module_name=NAME (letters, digits and _, not first a digit)."
    if not module.isidentifier() or not module.isascii():
        raise OctoupError(f"{origin} gives the module name {module!r}, which is not a valid Python name",
                          hint)
    if keyword.iskeyword(module) or module in sys.stdlib_module_names:
        raise OctoupError(
            f"{origin} gives the module name {module!r}, which would shadow Python's own "
            f"{'keyword' if keyword.iskeyword(module) else 'module'} {module!r}",
            hint,
        )


def project_names(project_name: str, options: dict[str, str]) -> tuple[str, str]:
    """The folder (repo) name and module name the built-in template will use, checked early."""
    repo = options.get("repo_name") or slug(project_name)
    if not repo:
        raise OctoupError(f"the project name {project_name!r} has no letters or digits to name a folder",
                          "Give a name like 'wine-quality'.")
    module = options.get("module_name") or module_name_for(repo)
    check_module_name(module, origin=f"the project name {project_name!r}"
                      if "module_name" not in options else "--option module_name")
    return repo, module


"""Refuse option combinations that cannot give a working project (stdlib only, runs first)."""

import keyword
import re
import sys

MODULE = {{ cookiecutter.module_name | tojson }}
MANAGER = {{ cookiecutter.environment_manager | tojson }}
DEP_FILE = {{ cookiecutter.dependency_file | tojson }}
CLOUD = {{ cookiecutter.cloud | tojson }}

# Dependency files that only one environment manager (or none at all) can read.
OWNED_BY = {"Pipfile": "pipenv", "environment.yml": "conda"}


def problem():
    if keyword.iskeyword(MODULE):
        return f"module_name {MODULE!r} is a Python keyword, not a usable package name"
    if not MODULE.isidentifier():
        return f"module_name {MODULE!r} is not a valid Python package name (letters, digits, _)"
    for dep_file, manager in OWNED_BY.items():
        if MANAGER == manager and DEP_FILE != dep_file:
            return f"environment_manager {manager!r} needs dependency_file {dep_file!r}"
        if DEP_FILE == dep_file and MANAGER not in (manager, "none"):
            return f"dependency_file {dep_file!r} needs environment_manager {manager!r} or 'none'"
    if not re.fullmatch(r"[A-Za-z0-9_-]+", CLOUD):
        return f"cloud {CLOUD!r} is not a provider name (letters, digits, '-' and '_' only)"
    return None


message = problem()
if message:
    print(f"ERROR: {message}", file=sys.stderr)
    sys.exit(1)

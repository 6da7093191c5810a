"""Remove the files the chosen options do not use (stdlib only, runs inside the new project)."""

import shutil
from pathlib import Path

MODULE = {{ cookiecutter.module_name | tojson }}
DEP_FILE = {{ cookiecutter.dependency_file | tojson }}
LICENSE = {{ cookiecutter.open_source_license | tojson }}
TESTING = {{ cookiecutter.testing_framework | tojson }}
DOCS = {{ cookiecutter.docs | tojson }}
SCAFFOLD = {{ cookiecutter.include_code_scaffold | tojson }}

unused = [name for name in ("requirements.txt", "environment.yml", "Pipfile") if name != DEP_FILE]
if LICENSE == "none":
    unused.append("LICENSE")
if TESTING == "none":
    unused.append("tests")
if DOCS == "none":
    unused += ["docs/mkdocs.yml", "docs/docs"]
if SCAFFOLD == "no":
    scaffold = ("config.py", "dataset.py", "features.py", "plots.py", "modeling")
    unused += [f"{MODULE}/{name}" for name in scaffold]

for name in unused:
    path = Path(name)
    if path.is_dir():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)

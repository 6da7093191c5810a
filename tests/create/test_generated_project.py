"""A generated project works: `octoup up` builds its env, its own `make test` and `make lint` pass.

These builds install real packages from PyPI (a registry, allowed here) through the machine's uv
cache. The heavy "basic" pydata set (Jupyter, scikit-learn, ...) is checked by declaration only in
test_new.py: building it here would download hundreds of MB on a fresh machine.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from octoup.create.scaffold import Request, create
from tests.conftest import run_octoup

UV_CACHE = os.environ.get("UV_CACHE_DIR") or str(Path.home() / ".cache" / "uv")

CASES = {
    "requirements": {"dependency_file": "requirements.txt"},
    "pyproject": {"dependency_file": "pyproject.toml", "docs": "mkdocs"},
    "environment-yml": {"dependency_file": "environment.yml"},
    "pipfile": {"dependency_file": "Pipfile"},
    "no-scaffold": {"dependency_file": "requirements.txt", "include_code_scaffold": "no"},
}


def build_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("VIRTUAL_ENV", "CONDA_PREFIX", "PYTHONDONTWRITEBYTECODE")}
    return {**env, "UV_CACHE_DIR": UV_CACHE, "UV_PYTHON_DOWNLOADS": "never"}


@pytest.mark.parametrize("options", CASES.values(), ids=CASES.keys())
def test_generated_project_builds_and_passes_its_own_checks(isolated, options):
    project = create(Request(name="Wine Quality", output_dir=isolated,
                             options={"python_version": f"{sys.version_info.major}.{sys.version_info.minor}",
                                      **options})).path
    env = build_env()
    # environment.yml: conda-forge is not reachable from here, so use octoup's PyPI route for conda files
    via = ["--via", "uv"] if options["dependency_file"] == "environment.yml" else []
    up = run_octoup("up", *via, cwd=project, env=env)
    assert up.returncode == 0, up.stderr
    assert "built .venv" in up.stderr
    bin_dir = project / ".venv" / "bin"
    env = {**env, "PATH": f"{bin_dir}{os.pathsep}{env['PATH']}"}

    def make(target: str) -> subprocess.CompletedProcess:
        return subprocess.run(["make", target, f"PYTHON_INTERPRETER={bin_dir / 'python'}"], cwd=project,
                              env=env, capture_output=True, text=True, timeout=300)

    tested = make("test")
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert " passed" in tested.stdout
    linted = make("lint")
    assert linted.returncode == 0, linted.stdout + linted.stderr
    helped = make("help")
    assert "requirements" in helped.stdout and "sync_data_up" in helped.stdout
    if options.get("include_code_scaffold", "yes") == "yes":
        (project / "data" / "raw" / "dataset.csv").write_text("Alcohol,Quality\n9.4,5\n9.8,6\n")
        data = make("data")
        assert data.returncode == 0, data.stdout + data.stderr
        assert list((project / "data" / "processed").glob("*.csv")), data.stderr
    again = run_octoup("up", *via, cwd=project, env=env)
    assert again.returncode == 0 and "is current" in again.stderr

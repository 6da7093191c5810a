"""Every fixture project is detected as expected, built for real, and its packages import."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from tests.conftest import run_octoup
from tests.env.conftest import copy_wheel, write_files
from tests.env.corpus import BROKEN, CASES, Case
from tests.env.packages import sha256_of


def fill(text: str, wheelhouse: Path, channel: Path | None) -> str:
    text = text.replace("{wheelhouse_uri}", wheelhouse.as_uri())
    return re.sub(
        r"\{sha256:([\w.\-]+)\}", lambda m: sha256_of(next(wheelhouse.glob(f"{m.group(1)}-*.whl"))), text
    )


def setup_case(root: Path, files: dict[str, str], wheelhouse: Path, conda_channel: Path) -> None:
    write_files(root, {name: fill(text, wheelhouse, conda_channel) for name, text in files.items()})
    if any("./channel" in text or "[./channel]" in text for text in files.values()):
        (root / "channel").symlink_to(conda_channel, target_is_directory=True)
    if any("vendor" in text for text in files.values()):
        copy_wheel(wheelhouse, "octo_delta", root / "vendor")


def imports(root: Path, modules: dict[str, str]) -> dict[str, str | None]:
    code = (
        "import importlib, json, sys\nout = {}\nfor m in sys.argv[1:]:\n"
        "    try:\n        out[m] = importlib.import_module(m).__version__\n"
        "    except ImportError:\n        out[m] = None\nprint(json.dumps(out))"
    )
    result = subprocess.run(
        [str(root / ".venv/bin/python"), "-c", code, *modules], capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_fixture_project_builds_and_imports(case: Case, offline, wheelhouse, conda_channel):
    setup_case(offline, case.files, wheelhouse, conda_channel)
    detected = json.loads(run_octoup("env", "detect", "--json", check=True).stdout)
    assert detected["winner"] == case.winner
    if case.python:
        assert detected["python"]["version"] == case.python
    if not case.build:
        return
    result = run_octoup("up", *case.args)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    if case.warning:
        assert case.warning in result.stderr
    found = imports(offline, {**case.imports, **dict.fromkeys(case.absent, "")})
    assert {m: found[m] for m in case.imports} == case.imports
    assert all(found[m] is None for m in case.absent)
    again = run_octoup("up", *case.args)
    assert again.returncode == 0 and "is current" in again.stderr, again.stderr


@pytest.mark.parametrize(("name", "files", "message"), BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_project_fails_clearly_and_builds_nothing(
    name, files, message, offline, wheelhouse, conda_channel
):
    setup_case(offline, files, wheelhouse, conda_channel)
    result = run_octoup("up")
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert "hint:" in result.stderr
    assert not (offline / ".venv").exists()
    assert not list(offline.glob(".*octoup-*"))


def test_failed_rebuild_keeps_the_previous_env(offline):
    write_files(offline, {"requirements.txt": "octo-alpha==1.0\n"})
    run_octoup("up", check=True)
    write_files(offline, {"requirements.txt": "octo-alpha==1.0\nocto-missing-package\n"})
    result = run_octoup("up")
    assert result.returncode == 2
    assert "requirements.txt:2: octo-missing-package" in result.stderr
    assert imports(offline, {"octo_alpha": ""}) == {"octo_alpha": "1.0"}
    assert not list(offline.glob(".*octoup-*"))
    write_files(offline, {"requirements.txt": "octo-alpha==2.0\n"})
    run_octoup("up", check=True)
    assert imports(offline, {"octo_alpha": ""}) == {"octo_alpha": "2.0"}


def test_a_changed_input_rebuilds_and_force_rebuilds(offline):
    write_files(offline, {"requirements.txt": "-r base.txt\n", "base.txt": "octo-alpha==1.0\n"})
    run_octoup("up", check=True)
    write_files(offline, {"base.txt": "octo-alpha==2.0\n"})
    result = run_octoup("up", check=True)
    assert "building .venv" in result.stderr
    assert imports(offline, {"octo_alpha": ""}) == {"octo_alpha": "2.0"}
    assert "building" in run_octoup("up", "--force", check=True).stderr


def test_detect_explains_precedence(offline):
    write_files(
        offline,
        {
            "environment.yml": "dependencies:\n  - octo-alpha\n",
            "Pipfile": "[packages]\n",
            "requirements.txt": "octo-alpha\n",
            "pyproject.toml": "[tool.ruff]\nline-length = 1\n",
        },
    )
    detected = json.loads(run_octoup("env", "detect", "--json", check=True).stdout)
    reasons = {f["path"]: (f["used"], f["reason"]) for f in detected["files"]}
    assert reasons["environment.yml"] == (True, "first in precedence")
    assert reasons["Pipfile"] == (False, "environment.yml comes first")
    assert reasons["requirements.txt"] == (False, "environment.yml comes first")
    assert "pyproject.toml" not in reasons  # a tool-only pyproject is not an env file
    text = run_octoup("env", "detect", check=True).stdout
    assert "environment.yml comes first" in text


def test_strict_fails_when_env_files_disagree(offline):
    write_files(
        offline,
        {
            "requirements.txt": "octo-alpha==1.0\n",
            "pyproject.toml": '[project]\nname = "x"\nversion = "0"\ndependencies = ["octo-alpha==2.0"]\n',
        },
    )
    loose = run_octoup("env", "detect")
    assert loose.returncode == 0 and "disagree" in loose.stderr
    strict = run_octoup("env", "detect", "--strict")
    assert strict.returncode == 2
    assert "octo-alpha: ==1.0 (requirements.txt:1) vs ==2.0 (pyproject.toml:4)" in strict.stderr


def test_file_option_forces_an_env_file(offline):
    write_files(
        offline, {"requirements.txt": "octo-alpha==2.0\n", "requirements-old.txt": "octo-alpha==1.0\n"}
    )
    run_octoup("up", "--file", "requirements-old.txt", check=True)
    assert imports(offline, {"octo_alpha": ""}) == {"octo_alpha": "1.0"}


def test_no_env_files_is_a_clear_error(offline):
    result = run_octoup("up")
    assert result.returncode == 2
    assert "no environment files found" in result.stderr and "hint:" in result.stderr


def test_env_path_comes_from_config(offline):
    write_files(
        offline,
        {
            "requirements.txt": "octo-gamma\n",
            "octoup.toml": '[project]\nname = "x"\n\n[env]\npath = "envs/main"\n',
        },
    )
    result = run_octoup("up", check=True)
    assert "envs/main" in result.stderr
    assert (offline / "envs/main/bin/python").exists()
    write_files(offline, {"octoup.toml": '[project]\nname = "x"\n\n[env]\npaht = "x"\n'})
    bad = run_octoup("up")
    assert bad.returncode == 2 and "unknown key env.paht" in bad.stderr


def test_up_refuses_to_replace_a_folder_that_is_not_an_env(offline):
    write_files(offline, {"requirements.txt": "octo-gamma\n", ".venv/notes.txt": "mine\n"})
    result = run_octoup("up")
    assert result.returncode == 2 and "is not a Python environment" in result.stderr
    assert (offline / ".venv/notes.txt").read_text() == "mine\n"

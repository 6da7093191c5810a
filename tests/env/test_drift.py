"""env check / diff / capture against real built envs, MLflow model folders, pipenv and conda tools."""

from __future__ import annotations

import json
import os
import stat
import subprocess

from tests.conftest import run_octoup
from tests.env.conftest import write_files


def uv_install(root, *packages):
    from octoup.env.uvtool import uv_bin

    subprocess.run(
        [uv_bin(), "pip", "install", "--python", str(root / ".venv/bin/python"), *packages],
        check=True,
        capture_output=True,
    )


def test_check_is_clean_then_reports_extra_and_mismatch(offline):
    write_files(offline, {"requirements.txt": "octo-beta\nocto-alpha<2\n"})
    run_octoup("up", check=True)
    clean = run_octoup("env", "check")
    assert clean.returncode == 0, clean.stderr
    assert "clean" in clean.stderr
    uv_install(offline, "octo-delta", "octo-alpha==2.0")
    drift = run_octoup("env", "check", "--json")
    assert drift.returncode == 1
    rows = {r["package"]: r for r in json.loads(drift.stdout)["rows"]}
    assert rows["octo-delta"]["status"] == "extra"
    assert rows["octo-alpha"]["status"] == "mismatch"
    assert rows["octo-alpha"]["where"] == "requirements.txt:2"
    assert rows["octo-beta"]["status"] == "ok"


def test_check_compares_lock_and_reports_a_stale_env(offline):
    write_files(
        offline,
        {
            "pyproject.toml": '[project]\nname = "d"\nversion = "0"\ndependencies = ["octo-alpha"]\n',
            "poetry.lock": '[[package]]\nname = "octo-alpha"\nversion = "1.0"\n',
        },
    )
    run_octoup("up", check=True)
    assert run_octoup("env", "check").returncode == 0
    uv_install(offline, "octo-alpha==2.0")
    rows = {r["package"]: r for r in json.loads(run_octoup("env", "check", "--json").stdout)["rows"]}
    assert rows["octo-alpha"]["status"] == "unlocked" and rows["octo-alpha"]["locked"] == "1.0"
    write_files(offline, {"poetry.lock": '[[package]]\nname = "octo-alpha"\nversion = "2.0"\n'})
    result = run_octoup("env", "check")
    assert result.returncode == 1 and "stale: the env files changed" in result.stderr


def test_model_requirements_mismatch_warns_like_mlflow(offline):
    write_files(
        offline,
        {
            "requirements.txt": "octo-alpha==1.0\n",
            "model/MLmodel": "flavors: {}\n",
            "model/requirements.txt": "octo-alpha==2.0\nocto-gamma\n",
            "model/python_env.yaml": "python: 3.11.7\nbuild_dependencies: [pip]\n"
            "dependencies: [-r requirements.txt]\n",
        },
    )
    run_octoup("up", check=True)
    result = run_octoup("env", "check", "--model", "model")
    assert result.returncode == 1
    assert "octo-alpha (current: 1.0, required: ==2.0)" in result.stderr
    assert "octo-gamma (current: missing, required: *)" in result.stderr
    model = {
        r["package"]: r["status"]
        for r in json.loads(run_octoup("env", "check", "--model", "model", "--json").stdout)["model"]
    }
    assert model == {"python": "ok", "octo-alpha": "mismatch", "octo-gamma": "missing"}
    write_files(
        offline, {"model/conda.yaml": "dependencies:\n  - python=3.11\n  - pip:\n    - octo-alpha==1.0\n"}
    )
    (offline / "model/requirements.txt").unlink()
    assert run_octoup("env", "check", "--model", "model").returncode == 0
    bad = run_octoup("env", "check", "--model", "requirements.txt")
    assert bad.returncode == 2 and "not an MLflow model directory" in bad.stderr


def test_capture_then_diff_roundtrip_for_requirements(offline):
    write_files(offline, {"requirements.txt": "octo-alpha\n"})
    run_octoup("up", check=True)
    assert run_octoup("env", "diff").returncode == 0
    uv_install(offline, "octo-delta", "octo-alpha==1.0")
    changed = run_octoup("env", "diff")
    assert changed.returncode == 1
    assert "1 added" in changed.stderr and "commit requirements.txt" in changed.stderr
    captured = run_octoup("env", "capture", check=True)
    assert "git add requirements.txt" in captured.stderr
    text = (offline / "requirements.txt").read_text()
    assert "octo-alpha==1.0" in text and "octo-delta==3.1" in text
    assert run_octoup("env", "diff").returncode == 0
    assert run_octoup("env", "check").returncode == 0
    assert "is current" in run_octoup("up", check=True).stderr
    uv_install(offline, "octo-alpha==2.0")
    assert "1 upgraded" in run_octoup("env", "diff").stderr


def test_capture_environment_yml_keeps_channels_and_adds_pip_section(offline, conda_channel):
    (offline / "channel").symlink_to(conda_channel, target_is_directory=True)
    write_files(
        offline,
        {
            "environment.yml": "name: demo\nchannels:\n  - ./channel\ndependencies:\n"
            "  - python=3.11\n  - octo-conda-alpha\n"
        },
    )
    run_octoup("up", check=True)
    uv_install(offline, "octo-gamma")
    assert "1 added" in run_octoup("env", "diff").stderr
    run_octoup("env", "capture", check=True)
    import yaml

    data = yaml.safe_load((offline / "environment.yml").read_text())
    assert data["channels"] == ["./channel"]
    assert "octo-conda-alpha=2.0.0" in data["dependencies"]
    assert {"pip": ["octo-gamma==0.5"]} in data["dependencies"]
    assert run_octoup("env", "diff").returncode == 0
    run_octoup("up", "--force", check=True)
    assert run_octoup("env", "check").returncode == 0


def test_capture_pipfile_pins_and_adds_top_level_packages(offline):
    write_files(offline, {"Pipfile": '# my packages\n[packages]\nocto-alpha = "*"\n'})
    run_octoup("up", check=True)
    uv_install(offline, "octo-gamma")
    result = run_octoup("env", "capture", check=True)
    text = (offline / "Pipfile").read_text()
    assert text.startswith("# my packages")
    assert 'octo-alpha = "==2.0"' in text and 'octo-gamma = "==0.5"' in text
    assert "Pipfile" in result.stderr


def test_with_pipenv_uses_pipenv_itself(offline):
    write_files(
        offline, {"Pipfile": '[packages]\nocto-alpha = "==1.0"\n\n[dev-packages]\nocto-delta = "*"\n'}
    )
    result = run_octoup("up", "--with", "pipenv", "--dev")
    assert result.returncode == 0, result.stderr
    assert "with pipenv" in result.stderr
    code = "import octo_alpha, octo_delta; print(octo_alpha.__version__)"
    out = subprocess.run(
        [str(offline / ".venv/bin/python"), "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "1.0"
    wrong = run_octoup("up", "--with", "pipenv", "--file", "Pipfile", "--via", "uv")
    assert wrong.returncode == 2


def test_conda_cli_builder_runs_the_tool_on_path_stub(offline, tmp_path, monkeypatch):
    """Stub micromamba: conda tools cannot be installed here (conda-forge is out of reach), so a
    script stands in for micromamba and records the command octoup runs; it makes a prefix."""
    tools = tmp_path / "tools"
    tools.mkdir()
    script = tools / "micromamba"
    script.write_text(
        '#!/bin/sh\necho "$@" > "$OCTOUP_TEST_ARGS"\nprefix=""\n'
        'while [ $# -gt 0 ]; do [ "$1" = "--prefix" ] && prefix="$2"; shift; done\n'
        'mkdir -p "$prefix/conda-meta" "$prefix/bin"\nln -s "$(command -v python3)" "$prefix/bin/python"\n'
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    args_file = tmp_path / "args.txt"
    write_files(offline, {"environment.yml": "dependencies:\n  - numpy\n"})
    env = {"PATH": f"{tools}{os.pathsep}{os.environ['PATH']}", "OCTOUP_TEST_ARGS": str(args_file)}
    result = run_octoup("up", env=env)
    assert result.returncode == 0, result.stderr
    assert "with conda" in result.stderr or "with micromamba" in result.stderr
    recorded = args_file.read_text().split()
    assert recorded[:2] == ["create", "--yes"]
    assert recorded[recorded.index("--prefix") + 1] == str(offline / ".venv")
    assert recorded[recorded.index("--file") + 1] == str(offline / "environment.yml")


def test_workflow_template_renders_valid_yaml(offline):
    import yaml

    write_files(offline, {"requirements.txt": "octo-alpha\n", "runtime.txt": "python-3.11\n"})
    run_octoup("env", "workflow", check=True)
    workflow = yaml.safe_load((offline / ".github/workflows/octoup-env.yml").read_text())
    steps = workflow["jobs"]["env-check"]["steps"]
    assert steps[1]["with"]["python-version"] == "3.11"
    assert any("octoup env check --strict" in step.get("run", "") for step in steps)
    again = run_octoup("env", "workflow")
    assert again.returncode == 2 and "--force" in again.stderr


def test_env_python_setting_is_honoured_by_check_and_capture(offline):
    """up, check and capture resolve the Python request the same way (env.python wins)."""
    import platform

    here = ".".join(platform.python_version().split(".")[:2])
    write_files(offline, {"requirements.txt": "octo-alpha\n", "runtime.txt": "python-3.11\n",
                          "octoup.toml": f'[project]\nname = "x"\n\n[env]\npython = "{here}"\n'})
    run_octoup("up", check=True)
    assert run_octoup("env", "check").returncode == 0
    run_octoup("env", "capture", check=True)
    assert "is current" in run_octoup("up", check=True).stderr

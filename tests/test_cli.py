"""The command line as a user meets it: help, version, errors, unbuilt groups."""

import subprocess
import sys

from octoup import __version__
from octoup.cli.planned import PLANNED


def test_version(octoup):
    result = octoup("--version")
    assert result.returncode == 0 and result.stdout.strip() == f"octoup {__version__}"


def test_help_lists_every_command_group_and_says_which_are_not_built(octoup):
    result = octoup("--help")
    assert result.returncode == 0
    for group in [*PLANNED, "config", "providers", "demo"]:
        assert f" {group} " in result.stdout, group
    built, planned = result.stdout.split("Not built yet:")
    assert all(f" {g} " in planned and f" {g} " not in built for g in PLANNED)


def test_unbuilt_command_says_so_with_exit_2_and_no_traceback(octoup):
    result = octoup("runs", "ls", "--experiment", "wine")
    assert result.returncode == 2
    assert "`octoup runs` is not built yet." in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    nested = octoup("data", "stats", "flights", "--sample")
    assert nested.returncode == 2 and "`octoup data stats` is not built yet." in nested.stderr
    assert "Not built yet:" in octoup("data", "--help").stdout


def test_user_error_is_message_and_hint_and_debug_adds_traceback(octoup, isolated):
    (isolated / "octoup.toml").write_text('[project]\nname = "p"\ncolour = "blue"\n')
    plain = octoup("config", "show")
    assert plain.returncode == 2
    assert plain.stderr.startswith(f"error: {isolated / 'octoup.toml'}:3: unknown key 'project.colour'")
    assert "hint: Known keys here: name, default_cloud." in plain.stderr
    assert "Traceback" not in plain.stderr
    debug = octoup("--debug", "config", "show")
    assert debug.returncode == 2 and "Traceback" in debug.stderr


def test_usage_errors_exit_2(octoup):
    result = octoup("config", "get")
    assert result.returncode == 2 and "Missing argument" in result.stderr


def test_importing_the_cli_imports_no_heavy_dependency():
    heavy = ["boto3", "botocore", "google", "azure", "libcloud", "pulumi", "docker", "mlflow",
             "polars", "pandas", "pydantic", "numpy"]
    code = ("import sys, octoup.cli; "
            f"print(','.join(sorted({{m.split('.')[0] for m in sys.modules}} & set({heavy!r}))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""

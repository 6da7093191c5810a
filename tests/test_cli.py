"""The command line as a user meets it: help, version, errors, unbuilt groups."""

import subprocess
import sys

from octoup import __version__


def test_version(octoup):
    result = octoup("--version")
    assert result.returncode == 0 and result.stdout.strip() == f"octoup {__version__}"


COMMANDS = ["config", "providers", "demo", "create", "up", "env", "data", "clone", "init", "run", "runs",
            "status", "container", "devcontainer", "stack", "compute"]
DATA_COMMANDS = ["copy", "add", "ls", "pull", "push", "version", "sample", "rm", "stats", "schema",
                 "validate", "show", "track", "lock", "unlock", "locks", "log"]


def test_help_lists_every_command(octoup):
    result = octoup("--help")
    assert result.returncode == 0
    for command in COMMANDS:
        assert f" {command} " in result.stdout, command
    data = octoup("data", "--help")
    for command in DATA_COMMANDS:
        assert f" {command} " in data.stdout, command
    assert "Describe and validate:" in data.stdout and "Git for data:" in data.stdout


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

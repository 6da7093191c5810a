"""Fixture projects: each is a set of env files, what detection must pick, and what must import.

``{wheelhouse}``, ``{channel}`` and ``{sha256:FILE}`` in file texts are filled in by the test.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Case:
    name: str
    files: dict[str, str]
    winner: str
    imports: dict[str, str] = field(default_factory=dict)  # module -> expected __version__
    absent: tuple[str, ...] = ()  # modules that must not be installed
    args: tuple[str, ...] = ()
    python: str | None = None
    warning: str | None = None
    build: bool = True


PYPROJECT_HEAD = '[project]\nname = "demo"\nversion = "0.1"\n'

CASES = [
    Case(
        "requirements-pin",
        {"requirements.txt": "octo-alpha==1.0\n"},
        "requirements.txt",
        {"octo_alpha": "1.0"},
    ),
    Case(
        "requirements-include",
        {"requirements.txt": "# main\n-r base.txt\nocto-beta  # app\n", "base.txt": "octo-alpha==1.0\n"},
        "requirements.txt",
        {"octo_alpha": "1.0", "octo_beta": "1.0"},
    ),
    Case(
        "requirements-constraint",
        {"requirements.txt": "-c constraints.txt\nocto-beta\n", "constraints.txt": "octo-alpha==1.0\n"},
        "requirements.txt",
        {"octo_alpha": "1.0", "octo_beta": "1.0"},
    ),
    Case(
        "requirements-hashes",
        {"requirements.txt": "octo-alpha==2.0 \\\n    --hash=sha256:{sha256:octo_alpha-2.0}\n"},
        "requirements.txt",
        {"octo_alpha": "2.0"},
    ),
    Case(
        "requirements-markers",
        {
            "requirements.txt": 'octo-alpha==1.0 ; python_version >= "3.8"\n'
            'octo-gamma ; sys_platform == "win32"\n'
        },
        "requirements.txt",
        {"octo_alpha": "1.0"},
        absent=("octo_gamma",),
    ),
    Case(
        "requirements-extras",
        {"requirements.txt": "octo-beta[fast]\n"},
        "requirements.txt",
        {"octo_beta": "1.0", "octo_gamma": "0.5", "octo_alpha": "2.0"},
    ),
    Case(
        "requirements-url",
        {"requirements.txt": "octo-gamma @ {wheelhouse_uri}/octo_gamma-0.5-py3-none-any.whl\n"},
        "requirements.txt",
        {"octo_gamma": "0.5"},
    ),
    Case(
        "requirements-local-path",
        {"requirements.txt": "./vendor/octo_delta-3.1-py3-none-any.whl\n"},
        "requirements.txt",
        {"octo_delta": "3.1"},
    ),
    Case(
        "requirements-find-links-option",
        {"requirements.txt": "--find-links ./vendor\nocto-delta\n"},
        "requirements.txt",
        {"octo_delta": "3.1"},
    ),
    Case(
        "requirements-dev-named",
        {"requirements-dev.txt": "octo-delta==3.1\n"},
        "requirements-dev.txt",
        {"octo_delta": "3.1"},
    ),
    Case(
        "pipfile-lock-hashes",
        {
            "Pipfile": '[packages]\nocto-alpha = "==1.0"\n',
            "Pipfile.lock": '{"_meta": {"requires": {"python_version": "3.11"}, "sources": []},'
            '"default": {"octo-alpha": {"version": "==1.0", '
            '"hashes": ["sha256:{sha256:octo_alpha-1.0}"]}}, "develop": {}}',
        },
        "Pipfile.lock",
        {"octo_alpha": "1.0"},
        python="3.11",
    ),
    Case(
        "pipfile-only",
        {
            "Pipfile": '[packages]\nocto-alpha = "==1.0"\nocto-beta = "*"\n\n'
            '[dev-packages]\nocto-delta = "*"\n'
        },
        "Pipfile",
        {"octo_alpha": "1.0", "octo_beta": "1.0"},
        absent=("octo_delta",),
    ),
    Case(
        "pipfile-dev",
        {"Pipfile": '[packages]\nocto-alpha = "*"\n\n[dev-packages]\nocto-delta = "*"\n'},
        "Pipfile",
        {"octo_alpha": "2.0", "octo_delta": "3.1"},
        args=("--dev",),
    ),
    Case(
        "pipfile-table-entries",
        {
            "Pipfile": '[packages]\nocto-beta = {version = "*", extras = ["fast"]}\n'
            'octo-delta = {version = "==3.1", markers = "os_name == \'posix\'"}\n'
        },
        "Pipfile",
        {"octo_gamma": "0.5", "octo_delta": "3.1"},
    ),
    Case(
        "conda-rattler",
        {
            "environment.yml": "name: demo\nchannels:\n  - ./channel\ndependencies:\n"
            "  - python=3.11\n  - octo-conda-beta\n  - pip:\n    - octo-delta\n"
        },
        "environment.yml",
        {"octo_conda_alpha": "2.0.0", "octo_conda_beta": "0.3", "octo_delta": "3.1"},
        python="3.11",
    ),
    Case(
        "conda-rattler-pinned",
        {"environment.yaml": "channels: [./channel]\ndependencies:\n  - python\n  - octo-conda-alpha=1.2\n"},
        "environment.yaml",
        {"octo_conda_alpha": "1.2.0"},
    ),
    Case(
        "conda-via-uv",
        {
            "environment.yml": "name: demo\ndependencies:\n  - python=3.11\n  - octo-alpha=1.0\n"
            "  - cudatoolkit=11.8\n  - pip\n  - pip:\n    - octo-delta==3.1\n"
        },
        "environment.yml",
        {"octo_alpha": "1.0", "octo_delta": "3.1"},
        args=("--via", "uv"),
        warning="cudatoolkit=11.8",
    ),
    Case(
        "conda-channel-unreachable",
        {"environment.yml": "channels:\n  - http://127.0.0.1:9/nothing\ndependencies:\n  - octo-beta\n"},
        "environment.yml",
        {"octo_beta": "1.0"},
        warning="building with uv from PyPI instead",
    ),
    Case(
        "conda-beats-requirements",
        {"environment.yml": "dependencies:\n  - octo-alpha=1.0\n", "requirements.txt": "octo-alpha==2.0\n"},
        "environment.yml",
        {"octo_alpha": "1.0"},
        args=("--via", "uv"),
    ),
    Case(
        "pyproject-pep621",
        {"pyproject.toml": PYPROJECT_HEAD + 'dependencies = ["octo-beta", "octo-alpha<2"]\n'},
        "pyproject.toml",
        {"octo_alpha": "1.0", "octo_beta": "1.0"},
    ),
    Case(
        "pyproject-dependency-groups",
        {
            "pyproject.toml": PYPROJECT_HEAD + 'dependencies = ["octo-alpha"]\n'
            '\n[dependency-groups]\ndev = ["octo-delta"]\n'
        },
        "pyproject.toml",
        {"octo_alpha": "2.0", "octo_delta": "3.1"},
        args=("--dev",),
    ),
    Case(
        "pyproject-poetry",
        {
            "pyproject.toml": '[tool.poetry]\nname = "demo"\nversion = "0.1"\n\n'
            '[tool.poetry.dependencies]\npython = "^3.10"\nocto-alpha = "^1.0"\n'
            'octo-beta = {version = "*", extras = ["fast"]}\n'
        },
        "pyproject.toml",
        {"octo_alpha": "1.0", "octo_gamma": "0.5"},
        python=">=3.10,<4",
    ),
    Case(
        "pyproject-poetry-lock",
        {
            "pyproject.toml": PYPROJECT_HEAD + 'dependencies = ["octo-alpha"]\n',
            "poetry.lock": '[[package]]\nname = "octo-alpha"\nversion = "1.0"\n',
        },
        "pyproject.toml",
        {"octo_alpha": "1.0"},
    ),
    Case(
        "binder-overrides-root",
        {"requirements.txt": "octo-alpha==2.0\n", "binder/requirements.txt": "octo-alpha==1.0\n"},
        "binder/requirements.txt",
        {"octo_alpha": "1.0"},
    ),
    Case(
        "dot-binder-with-runtime",
        {".binder/requirements.txt": "octo-gamma\n", ".binder/runtime.txt": "python-3.11\n"},
        ".binder/requirements.txt",
        {"octo_gamma": "0.5"},
        python="3.11",
    ),
    Case(
        "runtime-txt",
        {"requirements.txt": "octo-alpha\n", "runtime.txt": "python-3.11\n"},
        "requirements.txt",
        {"octo_alpha": "2.0"},
        python="3.11",
    ),
    Case(
        "python-version-file",
        {"requirements.txt": "octo-alpha\n", ".python-version": "3.11\n"},
        "requirements.txt",
        {"octo_alpha": "2.0"},
        python="3.11",
    ),
    Case(
        "setup-cfg",
        {
            "setup.cfg": "[metadata]\nname = demo\n\n[options]\ninstall_requires =\n    octo-alpha==1.0\n",
            "setup.py": "from setuptools import setup\nsetup()\n",
        },
        "setup.py",
        build=False,
    ),
]

BROKEN = [
    (
        "conda-unsolvable",
        {"environment.yml": "channels: [./channel]\ndependencies:\n  - python\n  - octo-conda-missing\n"},
        "environment.yml:4: octo-conda-missing",
    ),
    (
        "missing-include",
        {"requirements.txt": "octo-alpha\n-r nowhere.txt\n"},
        "requirements.txt:2: -r nowhere.txt: file not found",
    ),
    (
        "invalid-requirement",
        {"requirements.txt": "octo-alpha\nocto beta gamma==\n"},
        "requirements.txt:2: invalid requirement",
    ),
    (
        "unknown-option",
        {"requirements.txt": "--frobnicate\n"},
        "requirements.txt:1: unknown option --frobnicate",
    ),
    (
        "conda-no-dependencies",
        {"environment.yml": "name: demo\nchannels: [conda-forge]\n"},
        "environment.yml: has no dependencies",
    ),
    (
        "conda-empty-dependencies",
        {"environment.yml": "name: demo\ndependencies:\n"},
        "environment.yml:2: has no dependencies",
    ),
    (
        "bad-yaml",
        {"environment.yml": "dependencies:\n  - python\n - pandas\n"},
        "environment.yml:3: not valid YAML",
    ),
    ("bad-toml", {"pyproject.toml": '[project]\nname = "x"\ndependencies = ["a",\n'}, "pyproject.toml:"),
    ("bad-pipfile-toml", {"Pipfile": "[packages]\nocto-alpha = \n"}, "Pipfile:2: not valid TOML"),
    ("bad-pipfile-lock", {"Pipfile.lock": '{"default": {\n  "a": 1,\n}\n'}, "Pipfile.lock:3: not valid JSON"),
    (
        "unknown-python",
        {"requirements.txt": "octo-alpha\n", "runtime.txt": "python-3.99\n"},
        "runtime.txt:1: unknown Python version '3.99'",
    ),
    (
        "not-cpython",
        {"requirements.txt": "octo-alpha\n", "runtime.txt": "pypy-7.3\n"},
        "runtime.txt:1: unknown Python version",
    ),
    (
        "python-not-installed",
        {"requirements.txt": "octo-alpha\n", ".python-version": "3.13.99\n"},
        "Python 3.13.99 (asked for by .python-version:1) is not available here",
    ),
    (
        "package-does-not-exist",
        {"requirements.txt": "octo-alpha\nocto-nonexistent==1.0\n"},
        "requirements.txt:2: octo-nonexistent==1.0",
    ),
    ("conflicting-pins", {"requirements.txt": "octo-alpha==1.0\nocto-alpha==2.0\n"}, "octo-alpha"),
    ("wrong-hash", {"requirements.txt": "octo-alpha==2.0 --hash=sha256:" + "0" * 64 + "\n"}, "hash"),
    (
        "conda-bad-entry",
        {"environment.yml": "dependencies:\n  - numpy\n  - {conda: [x]}\n"},
        "environment.yml:3: unexpected entry",
    ),
    (
        "pyproject-bad-deps",
        {"pyproject.toml": '[project]\nname = "x"\ndependencies = "octo-alpha"\n'},
        "pyproject.toml:3: project.dependencies must be a list",
    ),
]

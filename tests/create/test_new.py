"""`octoup create NAME`: every option combination that matters renders the exact tree, cleanly."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from octoup.create.scaffold import Request, create
from tests.conftest import run_octoup
from tests.create.conftest import git, snapshot, tree

KEYS = ("environment_manager", "dependency_file", "pydata_packages", "testing_framework",
        "open_source_license", "docs", "include_code_scaffold")
# A pairwise-style cover: every dependency file meets every value of each other option at least once.
COMBOS = [
    ("uv", "requirements.txt", "none", "pytest", "MIT", "none", "yes"),
    ("virtualenv", "pyproject.toml", "basic", "none", "BSD-3-Clause", "mkdocs", "no"),
    ("conda", "environment.yml", "basic", "pytest", "none", "mkdocs", "yes"),
    ("pipenv", "Pipfile", "none", "none", "MIT", "none", "no"),
    ("none", "requirements.txt", "basic", "none", "none", "mkdocs", "no"),
    ("uv", "pyproject.toml", "none", "pytest", "MIT", "none", "yes"),
    ("none", "Pipfile", "basic", "pytest", "BSD-3-Clause", "mkdocs", "yes"),
    ("none", "environment.yml", "none", "none", "MIT", "none", "no"),
    ("virtualenv", "requirements.txt", "none", "pytest", "BSD-3-Clause", "mkdocs", "no"),
    ("conda", "environment.yml", "none", "pytest", "BSD-3-Clause", "none", "yes"),
    ("pipenv", "Pipfile", "basic", "pytest", "none", "none", "yes"),
    ("uv", "pyproject.toml", "basic", "pytest", "none", "mkdocs", "no"),
]
SCAFFOLD = ["config.py", "dataset.py", "features.py", "plots.py", "modeling/__init__.py",
            "modeling/train.py", "modeling/predict.py"]
PYDATA = ["ipython", "jupyterlab", "matplotlib", "notebook", "numpy", "pandas", "scikit-learn"]


def expected_tree(options: dict[str, str], module: str) -> set[str]:
    files = {
        ".env", ".gitignore", "Makefile", "README.md", "pyproject.toml", "octoup.toml",
        "data/external/.gitkeep", "data/interim/.gitkeep", "data/processed/.gitkeep",
        "data/raw/.gitkeep", "docs/.gitkeep", "models/.gitkeep", "notebooks/.gitkeep",
        "references/.gitkeep", "reports/.gitkeep", "reports/figures/.gitkeep", f"{module}/__init__.py",
        ".devcontainer/devcontainer.json", ".github/workflows/octoup-env.yml",
    }
    if options["open_source_license"] != "none":
        files.add("LICENSE")
    if options["dependency_file"] != "pyproject.toml":
        files.add(options["dependency_file"])
    if options["testing_framework"] == "pytest":
        files.add("tests/test_data.py")
    if options["docs"] == "mkdocs":
        files |= {"docs/mkdocs.yml", "docs/docs/index.md", "docs/docs/getting-started.md"}
    if options["include_code_scaffold"] == "yes":
        files |= {f"{module}/{name}" for name in SCAFFOLD}
    return files


def ruff(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(Path(sys.executable).parent / "ruff"), *args, "--no-cache"],
                          cwd=cwd, capture_output=True, text=True)


def declared_packages(project: Path, options: dict[str, str]) -> str:
    """The text where the project's dependencies are declared."""
    name = options["dependency_file"]
    return (project / name).read_text()


@pytest.mark.parametrize("combo", COMBOS, ids=lambda c: "-".join(c))
def test_every_combination_renders_exactly(isolated, combo):
    options = dict(zip(KEYS, combo, strict=True))
    created = create(Request(name="Wine Quality", output_dir=isolated, options=options))
    project = created.path
    assert project == isolated / "wine-quality"
    assert tree(project) == expected_tree(options, "wine_quality")
    for path in project.rglob("*"):
        if path.is_file() and ".git" not in path.parts:
            text = path.read_text(encoding="utf-8")
            assert "{{" not in text and "{%" not in text, path
            assert text.endswith("\n") or not text, path
    for toml in ("pyproject.toml", "octoup.toml", *(["Pipfile"] if options["dependency_file"] ==
                                                     "Pipfile" else [])):
        tomllib.loads((project / toml).read_text())
    if options["dependency_file"] == "environment.yml":
        assert yaml.safe_load((project / "environment.yml").read_text())["name"] == "wine-quality"
    json.loads((project / ".devcontainer/devcontainer.json").read_text())
    yaml.safe_load((project / ".github/workflows/octoup-env.yml").read_text())
    declared = declared_packages(project, options)
    for package in PYDATA:
        assert (package in declared) == (options["pydata_packages"] == "basic"), package
    assert ("pytest" in declared) == (options["testing_framework"] == "pytest")
    assert "ruff" in declared
    assert ruff("check", ".", cwd=project).returncode == 0, ruff("check", ".", cwd=project).stdout
    formatted = ruff("format", "--check", ".", cwd=project)
    assert formatted.returncode == 0, formatted.stdout
    config = tomllib.loads((project / "octoup.toml").read_text())
    assert config["project"] == {"name": "wine-quality", "default_cloud": "local"}
    assert git(project, "rev-parse", "--is-inside-work-tree").strip() == "true"
    (project / "data" / "raw" / "wine.csv").write_text("a,b\n1,2\n")
    assert git(project, "check-ignore", "data/raw/wine.csv").strip() == "data/raw/wine.csv"
    kept = subprocess.run(["git", "check-ignore", "data/raw/.gitkeep"], cwd=project)
    assert kept.returncode == 1, "the data folders must stay in git"
    manifest = subprocess.run(["git", "check-ignore", "data/.octoup/wine/manifest.json"], cwd=project)
    assert manifest.returncode == 1, "dataset manifests must be committed"


def test_cli_new_project_defaults_and_next_steps(octoup, isolated):
    result = octoup("create", "wine-quality", "--no-input")
    assert result.returncode == 0, result.stderr
    assert "Created wine-quality/ from the ccds template; git repository initialised." in result.stderr
    assert "octoup up" in result.stderr
    project = isolated / "wine-quality"
    assert (project / "wine_quality" / "modeling" / "train.py").is_file()
    pyproject = tomllib.loads((project / "pyproject.toml").read_text())
    running = f"{sys.version_info.major}.{sys.version_info.minor}"
    assert pyproject["project"]["requires-python"].endswith(running)
    # the project is an octoup project: config and env detection work in it
    detected = run_octoup("env", "detect", "--json", cwd=project)
    assert json.loads(detected.stdout)["winner"] == "requirements.txt"


def test_cli_options_cloud_and_bucket(octoup, isolated):
    result = octoup("create", "sat", "--no-input", "-o", "cloud=aws", "-o", "bucket=sat-data",
                    "-o", "dependency_file=pyproject.toml", "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    project = Path(summary["path"])
    config = tomllib.loads((project / "octoup.toml").read_text())
    assert config["project"]["default_cloud"] == "aws"
    assert config["clouds"]["aws"]["bucket"] == "sat-data"
    assert config["env"] == {"dev": True}
    assert run_octoup("config", "show", cwd=project).returncode == 0


def test_manager_implies_the_dependency_file(isolated):
    project = create(Request(name="p", output_dir=isolated, options={"environment_manager": "conda"})).path
    assert (project / "environment.yml").is_file() and not (project / "requirements.txt").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["create", "123", "--no-input"], "module name '123', which is not a valid Python name"),
        (["create", "class", "--no-input"], "shadow Python's own keyword 'class'"),
        (["create", "json", "--no-input"], "shadow Python's own module 'json'"),
        (["create", "!!!", "--no-input"], "has no letters or digits"),
        (["create", "p", "--no-input", "-o", "docs=sphinx"], "docs='sphinx' is not one of: none, mkdocs"),
        (["create", "p", "--no-input", "-o", "colour=blue"], "the template has no option 'colour'"),
        (["create", "p", "--no-input", "-o", "novalue"], "is not key=value"),
        (["create", "p", "--no-input", "-o", "environment_manager=pipenv", "-o",
          "dependency_file=requirements.txt"], "does not go with dependency_file=requirements.txt"),
        (["create", "missing/p", "--no-input"], "is not an existing folder"),
        (["create", "--no-input"], "give the new project's NAME"),
        (["create", "p", "--dry-run"], "--dry-run, --keep, --rewrite-paths and --capture go with --adopt"),
    ],
)
def test_bad_input_is_a_clear_error_and_writes_nothing(octoup, isolated, args, message):
    before = snapshot(isolated)
    result = octoup(*args)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert snapshot(isolated) == before


def test_existing_target_refused_then_force_only_adds(octoup, isolated):
    project = isolated / "wine"
    project.mkdir()
    (project / "README.md").write_text("mine\n")
    before = snapshot(isolated)
    refused = octoup("create", "wine", "--no-input")
    assert refused.returncode == 2
    assert "already exists" in refused.stderr and "--adopt" in refused.stderr
    assert snapshot(isolated) == before
    forced = octoup("create", "wine", "--no-input", "--force")
    assert forced.returncode == 0, forced.stderr
    assert (project / "README.md").read_text() == "mine\n"
    assert (project / "wine" / "config.py").is_file()
    assert "kept 1 of yours unchanged" in forced.stderr
    again = octoup("create", "wine", "--no-input", "--force")
    assert "added 0 missing file(s)" in again.stderr


def test_inside_a_git_repository_no_nested_repo(octoup, isolated):
    git(isolated, "init", "-q")
    result = octoup("create", "sub", "--no-input")
    assert result.returncode == 0, result.stderr
    assert "no new repository made" in result.stderr
    assert not (isolated / "sub" / ".git").exists()


def _broken_template(root: Path) -> Path:
    template = root / "tpl"
    (template / "{{ cookiecutter.slug }}").mkdir(parents=True)
    (template / "cookiecutter.json").write_text('{"project_name": "x", "slug": "out"}')
    (template / "{{ cookiecutter.slug }}" / "ok.txt").write_text("fine {{ cookiecutter.project_name }}\n")
    (template / "{{ cookiecutter.slug }}" / "bad.txt").write_text("line one\n{{ cookiecutter.nope }}\n")
    return template


def test_template_render_failure_names_file_line_and_variable(octoup, isolated, tmp_path):
    template = _broken_template(tmp_path)
    before = snapshot(isolated)
    result = octoup("create", "x", "--no-input", "--template", str(template))
    assert result.returncode == 2
    assert "bad.txt:2" in result.stderr and "the variable 'nope' is not defined" in result.stderr
    assert "--option nope=VALUE" in result.stderr
    assert snapshot(isolated) == before
    syntax = template / "{{ cookiecutter.slug }}" / "bad.txt"
    syntax.write_text("ok\n{% if %}\n")
    result = octoup("create", "x", "--no-input", "--template", str(template))
    assert result.returncode == 2 and "bad.txt:2" in result.stderr, result.stderr
    assert snapshot(isolated) == before


def test_any_cookiecutter_template_from_a_git_url(octoup, isolated, tmp_path):
    template = _broken_template(tmp_path)
    (template / "{{ cookiecutter.slug }}" / "bad.txt").unlink()
    (template / "{{ cookiecutter.slug }}" / "tests").mkdir()
    (template / "{{ cookiecutter.slug }}" / "tests" / "test_ok.py").write_text("def test_ok():\n    pass\n")
    git(template, "init", "-q")
    git(template, "add", ".")
    git(template, "-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-qm", "tpl")
    result = octoup("create", "x", "--no-input", "--template", f"git+file://{template}",
                    "-o", "slug=wine")
    assert result.returncode == 0, result.stderr
    project = isolated / "wine"
    assert (project / "ok.txt").read_text() == "fine x\n"
    # octoup's own additions come with any template
    assert (project / "octoup.toml").is_file()
    assert (project / ".devcontainer" / "devcontainer.json").is_file()
    assert "pytest" in (project / ".github/workflows/octoup-env.yml").read_text()
    missing = octoup("create", "y", "--no-input", "--template", f"git+file://{tmp_path}/nothing")
    assert missing.returncode == 2 and "cannot get the template" in missing.stderr


def test_plain_cookiecutter_renders_the_template_too(isolated):
    """The template is an ordinary cookiecutter template: its own hooks do what octoup relies on."""
    from cookiecutter.main import cookiecutter

    from octoup.create.options import builtin_template

    made = Path(cookiecutter(str(builtin_template()), no_input=True, output_dir=str(isolated),
                             extra_context={"project_name": "Plain One", "open_source_license": "none"}))
    assert made.name == "plain-one"
    assert not (made / "LICENSE").exists() and (made / "plain_one" / "config.py").is_file()

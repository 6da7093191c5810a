"""`octoup create --adopt`: a messy folder ends in the layout, every byte kept, nothing overwritten."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from octoup.create import adopt as adopt_module
from tests.create.conftest import git, snapshot, tree

NOTEBOOK = {
    "cells": [{"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
               "source": ["import pandas as pd\n", "df = pd.read_csv('wine.csv')"]}],
    "metadata": {}, "nbformat": 4, "nbformat_minor": 5,
}


def messy_folder(root: Path, *, big: int = 0) -> dict[str, str]:
    """Sarah's folder: notebook, scripts, data in several formats, env files, mlruns, a model."""
    import random

    rng = random.Random(7)
    rows = "\n".join(f"{rng.random():.6f},{rng.randint(3, 9)}" for _ in range(2000))
    files = {
        "analysis.ipynb": json.dumps(NOTEBOOK, indent=1),
        "train.py": "import utils\n\nprint(utils.load('wine.csv'))\n",
        "utils.py": "def load(path):\n    return open(path).read()\n",
        "test_utils.py": "import utils\n\n\ndef test_load():\n    assert utils\n",
        "wine.csv": "alcohol,quality\n" + rows + "\n",
        "wine.parquet": "PAR1" + "x" * 500 + "PAR1",
        "environment.yml": "name: wine\ndependencies:\n  - python=3.11\n  - pandas\n",
        "requirements.txt": "pandas\nscikit-learn\n",
        "model.pkl": "\x80\x04pickled",
        "confusion.png": "\x89PNG fake",
        "notes.md": "# notes\n",
        "paper.pdf": "%PDF-1.4 fake",
        "README.md": "# Wine\n",
        "mlruns/0/meta.yaml": "artifact_location: file:///somewhere/mlruns/0\nname: Default\n",
        "mlruns/0/abc123/metrics/rmse": "1700000000000 0.5 0\n",
        "images/a.jpg": "jpg-a",
        "images/b.jpg": "jpg-b",
        "scratch.bin": "unknown bytes",
    }
    if big:
        files["huge.parquet"] = "0" * big
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("latin-1"))
    return {name: hashlib.sha256((root / name).read_bytes()).hexdigest() for name in files}


MOVED = {
    "analysis.ipynb": "notebooks/analysis.ipynb",
    "train.py": "wine_lab/train.py",
    "utils.py": "wine_lab/utils.py",
    "test_utils.py": "tests/test_utils.py",
    "wine.csv": "data/raw/wine.csv",
    "wine.parquet": "data/raw/wine.parquet",
    "model.pkl": "models/model.pkl",
    "confusion.png": "reports/figures/confusion.png",
    "notes.md": "docs/notes.md",
    "paper.pdf": "references/paper.pdf",
    "images/a.jpg": "data/raw/images/a.jpg",
    "images/b.jpg": "data/raw/images/b.jpg",
}


@pytest.fixture
def lab(isolated, no_active_env) -> Path:
    folder = isolated / "wine-lab"
    folder.mkdir()
    return folder


def adopt(*args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    from tests.conftest import run_octoup

    return run_octoup("create", "--adopt", *args, cwd=cwd, env=env)


def assert_bytes_kept(root: Path, hashes: dict[str, str]) -> None:
    for name, digest in hashes.items():
        where = root / MOVED.get(name, name)
        assert where.is_file(), f"{name} should be at {where}"
        assert hashlib.sha256(where.read_bytes()).hexdigest() == digest, name


def test_messy_folder_lands_in_the_layout_with_every_byte_kept(lab):
    hashes = messy_folder(lab)
    result = adopt("--yes", cwd=lab)
    assert result.returncode == 0, result.stderr
    assert_bytes_kept(lab, hashes)
    for source in MOVED:
        assert not (lab / source).exists(), source
    files = tree(lab)
    assert {"data/raw/.gitkeep", "data/interim/.gitkeep", "reports/figures/.gitkeep",
            "wine_lab/__init__.py", "octoup.toml", "Makefile", "pyproject.toml", ".gitignore",
            ".env", ".devcontainer/devcontainer.json", ".github/workflows/octoup-env.yml"} <= files
    # a conda env file: the devcontainer gets conda, the workflow runs the tests it found
    assert "conda" in (lab / ".devcontainer/devcontainer.json").read_text()
    assert "pytest" in (lab / ".github/workflows/octoup-env.yml").read_text()
    # nothing of the template replaced the user's files, and no second env file was added
    assert (lab / "README.md").read_text() == "# Wine\n"
    assert "Pipfile" not in files and "LICENSE" not in files
    # mlruns, the env files and unknown files stay where they were
    assert (lab / "mlruns/0/abc123/metrics/rmse").is_file() and (lab / "scratch.bin").is_file()
    # git: initialised, data ignored, code and notebooks staged
    staged = git(lab, "diff", "--cached", "--name-only").split()
    assert "notebooks/analysis.ipynb" in staged and "wine_lab/train.py" in staged
    assert not any(name.startswith("data/raw/") and not name.endswith(".gitkeep") for name in staged)
    assert "git repository initialised" in result.stderr
    # the env is the user's own: environment.yml wins and the project is a working octoup project
    from tests.conftest import run_octoup

    detected = json.loads(run_octoup("env", "detect", "--json", cwd=lab).stdout)
    assert detected["winner"] == "environment.yml"
    assert run_octoup("config", "show", cwd=lab).returncode == 0


def test_dry_run_prints_the_plan_and_changes_nothing(lab):
    messy_folder(lab)
    before = snapshot(lab)
    result = adopt("--dry-run", cwd=lab)
    assert result.returncode == 0, result.stderr
    assert "Dry run: nothing was changed." in result.stderr
    assert "notebooks/analysis.ipynb" in result.stdout and "models/model.pkl" in result.stdout
    assert snapshot(lab) == before and not (lab / ".git").exists()
    plan = json.loads(adopt("--dry-run", "--json", cwd=lab).stdout)
    moves = {s["path"]: s["to"] for s in plan["steps"] if s["action"] == "move"}
    assert moves["images"] == "data/raw/images" and moves["train.py"] == "wine_lab/train.py"
    assert plan["module"] == "wine_lab"


def test_inside_git_moves_are_renames_in_history(lab):
    hashes = messy_folder(lab)
    git(lab, "init", "-q")
    git(lab, "add", "analysis.ipynb", "train.py", "utils.py", "images")
    git(lab, "-c", "user.name=s", "-c", "user.email=s@example.invalid", "commit", "-qm", "start")
    result = adopt("--yes", cwd=lab)
    assert result.returncode == 0, result.stderr
    assert_bytes_kept(lab, hashes)
    status = git(lab, "status", "--porcelain")
    assert "R  analysis.ipynb -> notebooks/analysis.ipynb" in status
    assert "R  train.py -> wine_lab/train.py" in status
    assert "R  images/a.jpg -> data/raw/images/a.jpg" in status
    assert "staged in the git repository" in result.stderr


def test_conflicts_refuse_with_nothing_changed(lab):
    messy_folder(lab)
    (lab / "notebooks").mkdir()
    (lab / "notebooks" / "analysis.ipynb").write_text("{}")  # a different notebook of the same name
    (lab / "data").mkdir()
    (lab / "data" / "wine.csv").write_text("other\n")  # data/wine.csv and wine.csv both -> data/raw/
    (lab / "reports").write_text("a file where the layout needs a folder\n")
    before = snapshot(lab)
    result = adopt("--yes", cwd=lab)
    assert result.returncode == 2
    assert "conflict" in result.stderr and "Nothing was changed" in result.stderr
    assert "Traceback" not in result.stderr
    out = result.stdout
    assert "notebooks/analysis.ipynb already exists" in out
    assert "would go to data/raw/wine.csv too" in out
    assert "reports is a file" in out
    assert snapshot(lab) == before and not (lab / ".git").exists()
    # --keep leaves the clashing files in place, and then the adopt goes through
    kept = adopt("--yes", "--keep", "analysis.ipynb", "--keep", "wine.csv", "--keep", "confusion.png",
                 cwd=lab)
    assert kept.returncode == 2 and "reports is a file" in kept.stdout  # the .gitkeep under reports/
    (lab / "reports").unlink()
    kept = adopt("--yes", "--keep", "analysis.ipynb", "--keep", "wine.csv", cwd=lab)
    assert kept.returncode == 0, kept.stdout + kept.stderr
    assert (lab / "analysis.ipynb").exists() and (lab / "data/raw/wine.csv").read_text() == "other\n"


@pytest.mark.parametrize("in_git", [False, True], ids=["plain", "git"])
def test_a_failure_half_way_is_undone(lab, monkeypatch, in_git):
    messy_folder(lab)
    if in_git:  # some moves are `git mv`, the rest renames; both must be undone
        git(lab, "init", "-q")
        git(lab, "add", "analysis.ipynb", "train.py", "images")
    status = git(lab, "status", "--porcelain") if in_git else ""
    before = snapshot(lab)
    plan = adopt_module.plan_adoption(lab, options={}, keep=[], force=False, large_bytes=10**9)
    calls = {"n": 0}
    real = os.rename

    def flaky(src, dst):
        calls["n"] += 1
        if calls["n"] == 5:
            raise OSError(28, "No space left on device")
        return real(src, dst)

    monkeypatch.setattr(adopt_module.os, "rename", flaky)
    with pytest.raises(OSError):
        adopt_module.apply(plan)
    monkeypatch.setattr(adopt_module.os, "rename", real)
    assert snapshot(lab) == before
    assert (git(lab, "status", "--porcelain") if in_git else "") == status


def test_rerun_refuses_then_force_places_new_files(lab):
    messy_folder(lab)
    assert adopt("--yes", cwd=lab).returncode == 0
    (lab / "another.ipynb").write_text(json.dumps(NOTEBOOK))
    refused = adopt("--yes", cwd=lab)
    assert refused.returncode == 2 and "already an octoup project" in refused.stderr
    assert "--force" in refused.stderr
    forced = adopt("--yes", "--force", cwd=lab)
    assert forced.returncode == 0, forced.stderr
    assert (lab / "notebooks/another.ipynb").is_file()
    assert "moved 1, added 0" in forced.stderr


def test_large_files_are_ignored_and_listed_for_data_track(lab):
    messy_folder(lab, big=3_000_000)
    (lab / "big-model.pt").write_bytes(b"\0" * 2_000_000)
    result = adopt("--yes", "--large", "1MB", cwd=lab)
    assert result.returncode == 0, result.stderr
    assert "octoup data track data/raw/huge.parquet models/big-model.pt" in result.stderr
    assert git(lab, "check-ignore", "models/big-model.pt").strip() == "models/big-model.pt"
    assert "/models/big-model.pt" in (lab / ".gitignore").read_text()


def test_existing_gitignore_is_kept_and_extended(lab):
    messy_folder(lab)
    (lab / ".gitignore").write_text("secret-notes.txt")  # no final newline
    assert adopt("--yes", cwd=lab).returncode == 0
    text = (lab / ".gitignore").read_text()
    assert text.startswith("secret-notes.txt\n\n# Added by `octoup create --adopt`\n")
    assert ".env" in text.splitlines()


def sarah_env(tmp_path: Path) -> Path:
    """A venv where Sarah pip-installed a package (a dist-info is all a capture reads)."""
    env = tmp_path / "sarah-env"
    subprocess.run([sys.executable, "-m", "uv", "venv", "-q", "--python", sys.executable, str(env)],
                   check=True, env={**os.environ, "UV_PYTHON_DOWNLOADS": "never"})
    site = next((env / "lib").glob("python*/site-packages"))
    dist = site / "wine_helpers-1.2.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: wine-helpers\nVersion: 1.2\n")
    (dist / "INSTALLER").write_text("pip\n")
    return env


def test_folder_without_env_file_captures_the_active_env(lab, tmp_path):
    (lab / "train.py").write_text("print('hi')\n")
    result = adopt("--yes", cwd=lab, env={"VIRTUAL_ENV": str(sarah_env(tmp_path))})
    assert result.returncode == 0, result.stderr
    assert "wine-helpers==1.2" in (lab / "requirements.txt").read_text()
    assert "from the active environment" in result.stderr
    assert "requirements.txt" in git(lab, "diff", "--cached", "--name-only").split()


def test_capture_rewrites_the_env_file_only_when_asked(lab, tmp_path):
    (lab / "requirements.txt").write_text("pandas\n")
    env = {"VIRTUAL_ENV": str(sarah_env(tmp_path))}
    plan = json.loads(adopt("--dry-run", "--json", cwd=lab, env=env).stdout)
    assert [s["path"] for s in plan["steps"] if s["action"] == "warn"] == ["requirements.txt"]
    assert adopt("--yes", "--capture", cwd=lab).returncode == 2  # nothing active: a clear error
    result = adopt("--yes", "--capture", cwd=lab, env=env)
    assert result.returncode == 0, result.stderr
    assert "wine-helpers==1.2" in (lab / "requirements.txt").read_text()


def test_bad_folder_and_bad_options(lab, tmp_path):
    result = adopt(str(tmp_path / "nope"), cwd=lab)
    assert result.returncode == 2 and "is not a folder" in result.stderr
    result = adopt("--template", "x", cwd=lab)
    assert result.returncode == 2 and "--adopt works with octoup's own layout only" in result.stderr
    result = adopt("--large", "lots", cwd=lab)
    assert result.returncode == 2 and "is not a size" in result.stderr
    odd = tmp_path / "2048"
    odd.mkdir()
    result = adopt(str(odd), cwd=lab)
    assert result.returncode == 2 and "not a valid Python name" in result.stderr


def test_rewrite_paths_only_when_asked(lab):
    messy_folder(lab)
    (lab / "load.py").write_text(
        "import pandas as pd\n\n"
        "df = pd.read_csv('wine.csv')\n"
        'pics = ["./images/a.jpg", "unrelated.csv", f"wine.csv"]\n'
        "raw = r'data/wine.csv'\n"
    )
    (lab / "data").mkdir()
    (lab / "data" / "wine.csv").write_text("x\n")
    (lab / "wine.csv").rename(lab / "red.csv")
    plan = json.loads(adopt("--dry-run", "--json", "--rewrite-paths", cwd=lab).stdout)
    edits = {s["path"]: s["note"] for s in plan["steps"] if s["action"] == "edit"}
    assert edits == {"wine_lab/load.py": "./images/a.jpg -> data/raw/images/a.jpg; "
                                         "data/wine.csv -> data/raw/wine.csv"}
    result = adopt("--yes", "--rewrite-paths", cwd=lab)
    assert result.returncode == 0, result.stderr
    script = (lab / "wine_lab" / "load.py").read_text()
    assert "pd.read_csv('wine.csv')" in script  # no file named wine.csv was at the top any more
    assert '"data/raw/images/a.jpg"' in script and '"unrelated.csv"' in script and 'f"wine.csv"' in script
    assert "raw = r'data/raw/wine.csv'" in script
    notebook = json.loads((lab / "notebooks" / "analysis.ipynb").read_text())
    assert "pd.read_csv('wine.csv')" in "".join(notebook["cells"][0]["source"])
    assert "edited 1" in result.stderr


def test_rewrite_paths_in_notebooks_are_relative_to_the_notebook(lab):
    messy_folder(lab)
    hashes_before = hashlib.sha256((lab / "train.py").read_bytes()).hexdigest()
    result = adopt("--yes", "--rewrite-paths", cwd=lab)
    assert result.returncode == 0, result.stderr
    notebook = json.loads((lab / "notebooks" / "analysis.ipynb").read_text())
    assert notebook["cells"][0]["source"] == ["import pandas as pd\n",
                                              "df = pd.read_csv('../data/raw/wine.csv')"]
    script = (lab / "wine_lab" / "train.py").read_text()
    assert script == "import utils\n\nprint(utils.load('data/raw/wine.csv'))\n"
    assert hashlib.sha256(script.encode()).hexdigest() != hashes_before


def test_imports_a_move_breaks_are_flagged(lab):
    messy_folder(lab)
    notebook = dict(NOTEBOOK, cells=[{"cell_type": "code", "metadata": {}, "outputs": [],
                                      "execution_count": None,
                                      "source": ["%matplotlib inline\n", "from utils import load\n"]}])
    (lab / "analysis.ipynb").write_text(json.dumps(notebook))
    plan = json.loads(adopt("--dry-run", "--json", cwd=lab).stdout)
    warnings = {s["path"]: s["note"] for s in plan["steps"] if s["action"] == "warn"}
    # train.py moves next to utils.py, so its `import utils` still works; the notebook's and the
    # test's do not
    assert sorted(warnings) == ["notebooks/analysis.ipynb", "tests/test_utils.py"]
    assert "`from wine_lab import utils`" in warnings["notebooks/analysis.ipynb"]

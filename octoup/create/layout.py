"""Where each kind of file belongs in a cookiecutter-data-science layout: the rules ``--adopt`` plans with.

Rules look only at names, suffixes and (for folders) what they contain; nothing is opened or run.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

LAYOUT_FOLDERS = ("data", "docs", "models", "notebooks", "references", "reports", "tests")
DATA_SUBFOLDERS = ("external", "interim", "processed", "raw")
RAW = "data/raw"

DATA_SUFFIXES = {
    ".csv", ".tsv", ".psv", ".parquet", ".pq", ".feather", ".arrow", ".ipc", ".avro", ".orc",
    ".json", ".jsonl", ".ndjson", ".geojson", ".xlsx", ".xls", ".ods", ".h5", ".hdf5", ".hdf", ".nc",
    ".npy", ".npz", ".mat", ".sqlite", ".sqlite3", ".db", ".duckdb", ".dta", ".sav", ".sas7bdat",
    ".xml", ".zip", ".tar", ".tgz", ".gz", ".bz2", ".xz", ".zst", ".7z", ".tif", ".tiff", ".dat",
}
MODEL_SUFFIXES = {
    ".pkl", ".pickle", ".joblib", ".onnx", ".pt", ".pth", ".ckpt", ".safetensors", ".keras", ".cbm",
    ".model", ".pmml", ".tflite",
}
FIGURE_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp"}
REFERENCE_SUFFIXES = {".pdf", ".doc", ".docx", ".ppt", ".pptx", ".epub", ".bib"}
DOC_SUFFIXES = {".md", ".rst"}

ENV_FILES = {
    "requirements.txt", "environment.yml", "environment.yaml", "Pipfile", "Pipfile.lock",
    "pyproject.toml", "setup.py", "setup.cfg", "runtime.txt", "uv.lock", "poetry.lock", "pdm.lock",
    "apt.txt", "postBuild",
}
PROJECT_FILES = {
    "Makefile", "Dockerfile", "MANIFEST.in", "tox.ini", "noxfile.py", "conftest.py", "tasks.py",
    "octoup.toml", "octoup.local.toml", "mkdocs.yml", "Procfile", "dvc.yaml", "dvc.lock", "MLproject",
}
PROJECT_PREFIXES = ("README", "LICENSE", "LICENCE", "COPYING", "CHANGELOG", "CONTRIBUTING", "NOTICE")
TOOL_FOLDERS = {"__pycache__", ".ipynb_checkpoints", "node_modules", "build", "dist", "site", "wandb"}
TRACKING_FOLDERS = {"mlruns", "mlartifacts", "runs"}


@dataclass(frozen=True)
class Placement:
    """What an entry is and the folder it belongs in (None: it stays where it is)."""

    kind: str
    folder: str | None
    reason: str


def suffix(path: Path) -> str:
    """The meaningful suffix: ``.gz`` of ``x.csv.gz`` counts as data like the rest."""
    return path.suffix.lower()


def _is_env_folder(folder: Path) -> bool:
    return (folder / "pyvenv.cfg").is_file() or (folder / "conda-meta").is_dir()


def _files_under(folder: Path):
    for path in folder.rglob("*"):
        if path.is_file() and not any(part.startswith(".") for part in path.relative_to(folder).parts):
            yield path


def place_file(path: Path, module: str) -> Placement:
    name, ext = path.name, suffix(path)
    if name in ENV_FILES or (name.startswith("requirements") and ext == ".txt"):
        return Placement("env", None, "environment file: `octoup up` reads it here")
    if name in PROJECT_FILES or name.upper().startswith(PROJECT_PREFIXES):
        return Placement("project", None, "project file: it belongs at the top")
    if ext == ".ipynb":
        return Placement("notebook", "notebooks", "notebook")
    if ext == ".py":
        if name.startswith("test_") or name.endswith("_test.py"):
            return Placement("test", "tests", "test module")
        return Placement("script", module, "Python code goes in the project's module")
    if ext in MODEL_SUFFIXES:
        return Placement("model", "models", "trained model")
    if ext in DATA_SUFFIXES:
        return Placement("data", RAW, "data file (raw: octoup never changes data/raw)")
    if ext in FIGURE_SUFFIXES:
        return Placement("figure", "reports/figures", "figure")
    if ext == ".html":
        return Placement("report", "reports", "rendered report")
    if ext in REFERENCE_SUFFIXES:
        return Placement("reference", "references", "reference material")
    if ext in DOC_SUFFIXES:
        return Placement("doc", "docs", "documentation")
    return Placement("other", None, "not recognised: left where it is")


def place_folder(folder: Path, module: str) -> Placement:
    name = folder.name
    if name in LAYOUT_FOLDERS or name == module:
        return Placement("layout", None, "already part of the layout")
    if name in TOOL_FOLDERS or name.endswith(".egg-info") or _is_env_folder(folder):
        return Placement("tool", None, "tool or environment folder")
    if name in TRACKING_FOLDERS:
        return Placement("runs", None, "run-tracking store: its metadata holds paths to this folder")
    if (folder / "MLmodel").is_file():
        return Placement("model", "models", "MLflow model")
    if (folder / "__init__.py").is_file():
        return Placement("package", None, "Python package: moving it would break its imports")
    kinds = {place_file(path, module).kind for path in _files_under(folder)}
    if kinds and kinds <= {"data", "figure"}:
        return Placement("data", RAW, "folder of data files")
    return Placement("other", None, "mixed folder: left where it is")


def place(path: Path, module: str) -> Placement:
    if path.name.startswith("."):
        return Placement("hidden", None, "hidden: left where it is")
    return place_folder(path, module) if path.is_dir() else place_file(path, module)


def size_of(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in _files_under(path))

"""An MLflow model's recorded requirements versus an environment (MLflow's mismatch warning)."""

from __future__ import annotations

from pathlib import Path

from octoup.env.detectors.conda import CondaDetector
from octoup.env.drift import Row, satisfies
from octoup.env.installed import Environment
from octoup.env.reqfile import parse_file
from octoup.env.spec import Requirement
from octoup.errors import OctoupError
from octoup.textfiles import compose_yaml, yaml_value

FILES = ("requirements.txt", "conda.yaml", "python_env.yaml")


def model_requirements(model_dir: Path) -> tuple[list[Requirement], str | None]:
    """The pip requirements and Python version an MLflow model directory records."""
    if not (model_dir / "MLmodel").is_file():
        raise OctoupError(
            f"{model_dir} is not an MLflow model directory (no MLmodel file)",
            "Pass the folder that holds MLmodel, e.g. mlruns/<exp>/<run>/artifacts/model.",
        )
    requirements: list[Requirement] = []
    python: str | None = None
    if (model_dir / "requirements.txt").is_file():
        requirements = parse_file(model_dir / "requirements.txt", root=model_dir.parent).requirements
    python_env = model_dir / "python_env.yaml"
    if python_env.is_file():
        data = yaml_value(compose_yaml(python_env)) or {}
        python = str(data.get("python") or "") or None
    conda = model_dir / "conda.yaml"
    if conda.is_file():
        spec = CondaDetector().load(conda, root=model_dir.parent)
        python = python or (spec.python.version if spec.python else None)
        if not requirements:
            requirements = spec.requirements
    if not requirements and python is None:
        raise OctoupError(
            f"{model_dir} records no requirements ({', '.join(FILES)} are all missing)",
            "Log the model with MLflow's pip_requirements or conda_env.",
        )
    return requirements, python


def compare(model_dir: Path, env: Environment) -> list[Row]:
    """One row per model requirement, with status ok, missing or mismatch."""
    requirements, python = model_requirements(model_dir)
    rows: list[Row] = []
    if python:
        have = env.python_version or "?"
        same = have.split(".")[:2] == python.split(".")[:2]
        rows.append(
            Row("python", python, "", have, "ok" if same else "mismatch", f"{model_dir.name} (model)")
        )
    for requirement in requirements:
        if not requirement.key:
            continue
        installed = env.packages.get(requirement.key)
        if installed is None:
            status = "missing"
        else:
            status = "ok" if satisfies(installed.version, requirement.specifier) else "mismatch"
        rows.append(
            Row(
                requirement.key,
                requirement.specifier or "*",
                "",
                installed.version if installed else "",
                status,
                f"{model_dir.name} (model)",
            )
        )
    return rows

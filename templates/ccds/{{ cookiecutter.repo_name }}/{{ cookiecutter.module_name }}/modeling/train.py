"""Train a model on the features and save it in models/.

Run it with ``python -m {{ cookiecutter.module_name }}.modeling.train``; ``--help`` lists the options.
The model is a placeholder baseline that always predicts the mean of the target column:
replace it with a real one and keep the inputs and outputs.
"""

import csv
import json
from pathlib import Path
from statistics import fmean
from typing import Annotated

import typer
from loguru import logger
from tqdm import tqdm

from {{ cookiecutter.module_name }} import config

app = typer.Typer(add_completion=False)


@app.command()
def main(
    features_path: Path = config.PROCESSED_DATA_DIR / "features.csv",
    model_path: Path = config.MODELS_DIR / "model.json",
    target: Annotated[str, typer.Option(help="Column to predict (default: the last one)")] = "",
) -> None:
    """Fit the baseline model on the features file and save it as JSON."""
    if not features_path.is_file():
        logger.error(f"{features_path} does not exist: build the features first.")
        raise typer.Exit(1)
    with features_path.open(newline="", encoding="utf-8") as source:
        reader = csv.DictReader(source)
        columns = list(reader.fieldnames or [])
        target = target or (columns[-1] if columns else "")
        if target not in columns:
            logger.error(f"{features_path} has no column {target!r}.")
            raise typer.Exit(1)
        values = [float(row[target]) for row in tqdm(reader, desc="Training", unit="row")]
    if not values:
        logger.error(f"{features_path} has no rows to train on.")
        raise typer.Exit(1)

    model = {"kind": "mean baseline", "target": target, "mean": fmean(values), "rows": len(values)}
    model_path.parent.mkdir(parents=True, exist_ok=True)
    model_path.write_text(json.dumps(model, indent=2) + "\n", encoding="utf-8")
    logger.success(f"Trained a mean baseline for {target!r} on {len(values)} rows: {model_path}.")


if __name__ == "__main__":
    app()

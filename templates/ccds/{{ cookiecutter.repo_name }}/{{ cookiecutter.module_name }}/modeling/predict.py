"""Make predictions with the model saved by ``modeling.train``.

Run it with ``python -m {{ cookiecutter.module_name }}.modeling.predict``; ``--help`` lists the options.
Like the model itself this is a placeholder: replace it together with ``modeling/train.py``.
"""

import csv
import json
from pathlib import Path

import typer
from loguru import logger
from tqdm import tqdm

from {{ cookiecutter.module_name }} import config

app = typer.Typer(add_completion=False)


@app.command()
def main(
    features_path: Path = config.PROCESSED_DATA_DIR / "features.csv",
    model_path: Path = config.MODELS_DIR / "model.json",
    predictions_path: Path = config.PROCESSED_DATA_DIR / "predictions.csv",
) -> None:
    """Predict the target for every row of the features file."""
    for path, step in ((features_path, "build the features"), (model_path, "train a model")):
        if not path.is_file():
            logger.error(f"{path} does not exist: {step} first.")
            raise typer.Exit(1)
    model = json.loads(model_path.read_text(encoding="utf-8"))
    with features_path.open(newline="", encoding="utf-8") as source:
        count = sum(1 for _ in csv.DictReader(source))

    predictions_path.parent.mkdir(parents=True, exist_ok=True)
    with predictions_path.open("w", newline="", encoding="utf-8") as target:
        writer = csv.writer(target)
        writer.writerow(["row", f"predicted_{model['target']}"])
        for row in tqdm(range(count), desc="Predicting", unit="row"):
            writer.writerow([row, model["mean"]])
    logger.success(f"Wrote {count} predictions to {predictions_path}.")


if __name__ == "__main__":
    app()

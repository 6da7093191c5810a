"""Build model features from the processed dataset.

Run it with ``python -m {{ cookiecutter.module_name }}.features``; ``--help`` lists the options.
It keeps the numeric columns: a starting point for your own feature engineering.
"""

import csv
from pathlib import Path

import typer
from loguru import logger
from tqdm import tqdm

from {{ cookiecutter.module_name }} import config

app = typer.Typer(add_completion=False)


def is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


@app.command()
def main(
    input_path: Path = config.PROCESSED_DATA_DIR / "dataset.csv",
    output_path: Path = config.PROCESSED_DATA_DIR / "features.csv",
) -> None:
    """Write the columns of the dataset whose every value is a number to the features file."""
    if not input_path.is_file():
        logger.error(f"{input_path} does not exist: make the dataset first (`make data`).")
        raise typer.Exit(1)
    with input_path.open(newline="", encoding="utf-8") as source:
        reader = csv.DictReader(source, restval="")
        rows = list(tqdm(reader, desc="Reading rows", unit="row"))
        columns = list(reader.fieldnames or [])

    numeric = [name for name in columns if rows and all(is_number(row[name]) for row in rows)]
    if not numeric:
        logger.error(f"{input_path} has no numeric columns to use as features.")
        raise typer.Exit(1)

    output_path.parent.mkdir(parents=True, exist_ok=True)
    with output_path.open("w", newline="", encoding="utf-8") as target:
        writer = csv.DictWriter(target, fieldnames=numeric, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    skipped = ", ".join(name for name in columns if name not in numeric) or "none"
    logger.success(f"Wrote {len(numeric)} feature columns to {output_path} (skipped: {skipped}).")


if __name__ == "__main__":
    app()

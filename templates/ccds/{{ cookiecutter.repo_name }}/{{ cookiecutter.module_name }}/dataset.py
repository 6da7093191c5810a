"""Make the processed dataset: tidy a CSV from data/raw and write it to data/processed.

Run it with ``make data`` or ``python -m {{ cookiecutter.module_name }}.dataset``; ``--help`` lists the options.
"""

import csv
from pathlib import Path

import typer
from loguru import logger
from tqdm import tqdm

from {{ cookiecutter.module_name }} import config

app = typer.Typer(add_completion=False)


def column_name(header: str) -> str:
    """A tidy column name: ``" Fixed Acidity "`` becomes ``"fixed_acidity"``."""
    return "_".join(header.strip().lower().split())


@app.command()
def main(
    input_path: Path = config.RAW_DATA_DIR / "dataset.csv",
    output_path: Path = config.PROCESSED_DATA_DIR / "dataset.csv",
) -> None:
    """Copy a raw CSV (comma, semicolon or tab separated) to a tidy, comma-separated one.

    Column names become lower_snake_case, cells lose surrounding spaces and blank rows go.
    """
    if not input_path.is_file():
        logger.warning(f"No raw data at {input_path}: put a CSV there (or `octoup data pull`).")
        return
    with input_path.open(newline="", encoding="utf-8") as source:
        sample = source.read(64 * 1024)
        source.seek(0)
        try:
            dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        rows = list(csv.reader(source, dialect))
    if not rows:
        logger.warning(f"{input_path} is empty: nothing to do.")
        return

    header, body = [column_name(cell) for cell in rows[0]], rows[1:]
    kept = []
    for row in tqdm(body, desc="Tidying rows", unit="row"):
        cells = [cell.strip() for cell in row]
        if any(cells):
            kept.append(cells)

    output_path.parent.mkdir(parents=True, exist_ok=True)
    with output_path.open("w", newline="", encoding="utf-8") as target:
        writer = csv.writer(target)
        writer.writerow(header)
        writer.writerows(kept)
    dropped = len(body) - len(kept)
    logger.success(f"Wrote {len(kept)} rows to {output_path}; dropped {dropped} blank ones.")


if __name__ == "__main__":
    app()

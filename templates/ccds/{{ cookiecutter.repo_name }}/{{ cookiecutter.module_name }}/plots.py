"""Draw figures for the reports: one histogram per feature, saved in reports/figures.

Run it with ``python -m {{ cookiecutter.module_name }}.plots``; ``--help`` lists the options.
"""

import csv
import math
from pathlib import Path

import typer
from loguru import logger
{%- if cookiecutter.pydata_packages == "basic" %}
from matplotlib.figure import Figure
{%- endif %}

from {{ cookiecutter.module_name }} import config

app = typer.Typer(add_completion=False)


@app.command()
def main(
    input_path: Path = config.PROCESSED_DATA_DIR / "features.csv",
    output_path: Path = config.FIGURES_DIR / "features.png",
) -> None:
    """Plot a histogram of every column of the features file into one image."""
{%- if cookiecutter.pydata_packages != "basic" %}
    try:
        from matplotlib.figure import Figure
    except ModuleNotFoundError:
        logger.error("Plotting needs matplotlib: add it to the dependencies and run `octoup up`.")
        raise typer.Exit(1) from None
{%- endif %}
    if not input_path.is_file():
        logger.error(f"{input_path} does not exist: build the features first.")
        raise typer.Exit(1)
    with input_path.open(newline="", encoding="utf-8") as source:
        reader = csv.DictReader(source)
        rows = list(reader)
        columns = list(reader.fieldnames or [])
    if not rows or not columns:
        logger.error(f"{input_path} has no data to plot.")
        raise typer.Exit(1)

    ncols = min(3, len(columns))
    nrows = math.ceil(len(columns) / ncols)
    figure = Figure(figsize=(4 * ncols, 3 * nrows), layout="constrained")
    axes = figure.subplots(nrows, ncols, squeeze=False).ravel()
    for ax, name in zip(axes, columns):
        ax.hist([float(row[name]) for row in rows], bins=20)
        ax.set_title(name)
    for ax in axes[len(columns) :]:
        ax.set_visible(False)

    output_path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(output_path)
    logger.success(f"Saved {len(columns)} histograms to {output_path}.")


if __name__ == "__main__":
    app()

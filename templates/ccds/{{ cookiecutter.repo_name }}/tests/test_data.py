{%- set m = cookiecutter.module_name -%}
{%- if cookiecutter.include_code_scaffold == "yes" -%}
"""Checks that hold in a fresh project; add tests for your own data and code next to them."""

import csv
import json

import pytest

from {{ m }} import config, dataset, features
from {{ m }}.modeling import predict, train

DATA_FOLDERS = [
    config.RAW_DATA_DIR,
    config.INTERIM_DATA_DIR,
    config.PROCESSED_DATA_DIR,
    config.EXTERNAL_DATA_DIR,
    config.MODELS_DIR,
    config.FIGURES_DIR,
]


def read_csv(path):
    with path.open(newline="", encoding="utf-8") as source:
        return list(csv.reader(source))


@pytest.mark.parametrize("folder", DATA_FOLDERS, ids=lambda folder: folder.name)
def test_data_folders_exist_inside_the_project(folder):
    assert folder.is_relative_to(config.PROJ_ROOT)
    assert folder.is_dir(), f"{folder} is missing"


def test_project_root_is_the_repository():
    assert (config.PROJ_ROOT / "pyproject.toml").is_file()
    assert (config.PROJ_ROOT / "octoup.toml").is_file()


def test_dataset_tidies_a_raw_csv(tmp_path):
    raw = tmp_path / "raw.csv"
    raw.write_text("Fixed Acidity;Quality\n 7.4 ;5\n;\n7.8;6\n", encoding="utf-8")
    processed = tmp_path / "processed" / "dataset.csv"

    dataset.main(input_path=raw, output_path=processed)

    assert read_csv(processed) == [["fixed_acidity", "quality"], ["7.4", "5"], ["7.8", "6"]]


def test_features_keep_numeric_columns(tmp_path):
    processed = tmp_path / "dataset.csv"
    processed.write_text("colour,alcohol,quality\nred,9.4,5\nwhite,9.8,7\n", encoding="utf-8")
    feature_file = tmp_path / "features.csv"

    features.main(input_path=processed, output_path=feature_file)

    assert read_csv(feature_file) == [["alcohol", "quality"], ["9.4", "5"], ["9.8", "7"]]


def test_baseline_model_predicts_the_mean(tmp_path):
    feature_file = tmp_path / "features.csv"
    feature_file.write_text("alcohol,quality\n9.4,5\n9.8,7\n", encoding="utf-8")
    model = tmp_path / "model.json"
    predictions = tmp_path / "predictions.csv"

    train.main(features_path=feature_file, model_path=model)
    predict.main(features_path=feature_file, model_path=model, predictions_path=predictions)

    assert json.loads(model.read_text(encoding="utf-8"))["mean"] == 6
    assert read_csv(predictions) == [["row", "predicted_quality"], ["0", "6.0"], ["1", "6.0"]]
{%- else -%}
"""Checks that hold in a fresh project; add tests for your own data and code next to them."""

from pathlib import Path

import pytest

import {{ m }}

PROJ_ROOT = Path(__file__).resolve().parents[1]


def test_package_is_the_one_in_this_project():
    package_dir = Path({{ m }}.__file__).resolve().parent
    assert package_dir == PROJ_ROOT / package_dir.name


@pytest.mark.parametrize(
    "folder", ["data/raw", "data/interim", "data/processed", "data/external", "models"]
)
def test_data_folders_exist(folder):
    assert (PROJ_ROOT / folder).is_dir(), f"{folder} is missing"
{%- endif %}

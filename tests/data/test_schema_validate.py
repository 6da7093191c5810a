"""`octoup data schema` and `octoup data validate`: rules inferred from stats, readable YAML that people
edit (bad edits located), pandera export, and TFDV-like anomalies including drift."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from tests.conftest import run_octoup
from tests.data.conftest import PENGUINS


def baseline(rows: int = 20_000, seed: int = 1, *, shift: float = 0.0,
             colours: tuple[float, ...] = (0.5, 0.3, 0.15, 0.05)) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    return pl.DataFrame({
        "normal": rng.normal(50 + shift, 10, rows),
        "count": rng.integers(0, 20, rows),
        "colour": rng.choice(["red", "green", "blue", "violet"], rows, p=list(colours)),
        "flag": rng.random(rows) < 0.3,
        "note": pl.Series([None if i % 10 == 0 else f"n{i % 7}" for i in range(rows)], dtype=pl.String),
    })


def octoup(project: Path, *args: str):
    return run_octoup("data", *args, cwd=project)


@pytest.fixture
def described(project, tmp_path) -> Path:
    """A dataset with stats and an inferred schema."""
    src = tmp_path / "src"
    src.mkdir()
    baseline().write_parquet(src / "gen.parquet")
    (src / "penguins.csv").write_bytes((PENGUINS / "penguins.csv").read_bytes())
    assert octoup(project, "copy", str(src), "--name", "g").returncode == 0
    assert octoup(project, "stats", "g").returncode == 0
    result = octoup(project, "schema", "g")
    assert result.returncode == 0, result.stderr
    return project


def test_inferred_schema_is_readable_yaml_with_rules(described):
    text = (described / "data/.octoup/g/schema.yaml").read_text()
    assert text.startswith("# octoup schema for dataset 'g'")
    assert "      island:\n        type: string\n        required: true\n" \
           "        domain: [Biscoe, Dream, Torgersen]" in text
    assert "      sex:\n        type: string\n        required: false\n        min_presence: 0.9\n" \
           "        domain: [female, male]" in text
    assert "      count:\n        type: int\n        required: true\n        range: {min: 0, max: 19}\n" \
           "        drift: {js: 0.1}" in text
    assert "      note:\n        type: string\n        required: false\n        min_presence: 0.9\n" in text
    again = octoup(described, "schema", "g")
    assert again.returncode == 2 and "may hold your edits" in again.stderr and "--force" in again.stderr
    assert octoup(described, "validate", "g").returncode == 0


def test_the_same_data_validates_and_new_version_becomes_the_baseline(described):
    result = octoup(described, "validate", "g", "--new-version")
    assert result.returncode == 0, result.stderr
    assert "20,344 rows match the schema; no anomalies. Their statistics are the new baseline" \
        in result.stderr


def write(tmp_path: Path, frame: pl.DataFrame) -> Path:
    path = tmp_path / "new" / "gen.parquet"
    path.parent.mkdir(exist_ok=True)
    frame.write_parquet(path)
    return path


CHANGES = {
    "missing_column": (lambda f: f.drop("flag"), "flag", "required, not in the data"),
    "unexpected_column": (lambda f: f.with_columns(extra=pl.lit(1)), "extra",
                          "in the data, not in the schema"),
    "type_mismatch": (lambda f: f.with_columns(pl.col("count").cast(pl.String) + "x"), "count",
                      "string values where the schema says int"),
    "out_of_domain": (lambda f: f.with_columns(pl.when(pl.int_range(pl.len()) < 30).then(pl.lit("purple"))
                                               .otherwise(pl.col("colour")).alias("colour")),
                      "colour", "values outside the domain: 'purple' (30)"),
    "out_of_range": (lambda f: f.with_columns(pl.col("count") + 5), "count",
                     "values from 5 to 24, the schema allows 0 to 19"),
    "low_presence": (lambda f: f.with_columns(pl.when(pl.int_range(pl.len()) % 2 == 0).then(None)
                                              .otherwise(pl.col("note")).alias("note")),
                     "note", "present in 50.0% of rows, the schema asks for at least 90%"),
    "drift": (lambda f: baseline(seed=2, colours=(0.2, 0.2, 0.3, 0.3)), "colour",
              "L-infinity distance 0.299 > 0.1 (largest change: 'red')"),
}


@pytest.mark.parametrize("kind", sorted(CHANGES))
def test_each_anomaly_is_reported_with_exit_1(described, tmp_path, kind):
    change, column, detail = CHANGES[kind]
    path = write(tmp_path, change(baseline(seed=2)))
    result = octoup(described, "validate", "g", str(path), "--json")
    assert result.returncode == 1, result.stderr
    found = [a for a in json.loads(result.stdout)["anomalies"] if a["table"] == "gen.parquet"]
    assert {a["column"] for a in found} == {column}, found  # nothing else is flagged
    (hit,) = [a for a in found if a["kind"] == kind]
    assert detail in hit["detail"]
    table = octoup(described, "validate", "g", str(path))
    assert table.returncode == 1 and kind in table.stdout and "anomal" in table.stdout


def test_numeric_drift_by_jensen_shannon(described, tmp_path):
    same = write(tmp_path, baseline(seed=3))
    assert octoup(described, "validate", "g", str(same)).returncode == 0
    shifted = write(tmp_path, baseline(seed=3, shift=15))
    result = octoup(described, "validate", "g", str(shifted), "--json")
    assert result.returncode == 1
    (drift,) = [a for a in json.loads(result.stdout)["anomalies"] if a["kind"] == "drift"]
    assert drift["column"] == "normal" and "Jensen-Shannon divergence" in drift["detail"]
    divergence = float(drift["detail"].split("divergence ")[1].split(" ")[0])
    assert 0.1 < divergence < 1


def test_thresholds_come_from_the_edited_schema(described, tmp_path):
    path = described / "data/.octoup/g/schema.yaml"
    text = path.read_text()
    path.write_text(text.replace("        domain: [blue, green, red, violet]\n        min_length: 3\n"
                                 "        max_length: 6\n        drift: {linf: 0.1}",
                                 "        domain: [blue, green, red, violet]\n        min_length: 3\n"
                                 "        max_length: 6\n        drift: {linf: 0.5}"))
    drifted = write(tmp_path, baseline(seed=2, colours=(0.2, 0.2, 0.3, 0.3)))
    assert octoup(described, "validate", "g", str(drifted)).returncode == 0


@pytest.mark.parametrize(("edit", "message"), [
    (lambda t: t.replace("drift: {js: 0.1}", "drift: {js: 0.1", 1), "schema.yaml:"),
    (lambda t: t.replace("min_presence: 0.9", "min_presence: 9", 1), "min_presence: Input should be less"),
    (lambda t: t.replace("type: int", "type: integer", 1), "type: Input should be"),
])
def test_a_broken_hand_edit_is_located(described, edit, message):
    path = described / "data/.octoup/g/schema.yaml"
    text = path.read_text()
    path.write_text(edit(text))
    result = octoup(described, "validate", "g")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "data/.octoup/g/schema.yaml:" in result.stderr and message in result.stderr
    line = int(result.stderr.split("schema.yaml:")[1].split(":")[0])
    assert line > 5
    assert "hint:" in result.stderr


def test_pandera_export_checks_frames(described):
    pandera = pytest.importorskip("pandera.pandas")
    result = octoup(described, "schema", "g", "--format", "pandera")
    assert result.returncode == 0, result.stderr
    schema = pandera.DataFrameSchema.from_yaml(described / "data/.octoup/g/pandera/penguins.csv.yaml")
    penguins = pl.read_csv(PENGUINS / "penguins.csv", null_values="NA").to_pandas()
    schema.validate(penguins)
    penguins.loc[0, "island"] = "Atlantis"
    with pytest.raises(pandera.errors.SchemaError, match="isin"):
        schema.validate(penguins)


def test_validate_without_a_schema_says_how_to_make_one(project, tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    baseline(rows=100).write_csv(src / "a.csv")
    octoup(project, "copy", str(src), "--name", "a")
    result = octoup(project, "validate", "a")
    assert result.returncode == 2 and "octoup data schema a" in result.stderr

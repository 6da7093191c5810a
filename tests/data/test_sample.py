"""`octoup data sample`: deterministic uniform and stratified samples, stored beside the data."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import polars as pl

from octoup.data import manifest as mf
from tests.conftest import run_octoup
from tests.data.conftest import PENGUINS, make_dataset


def data(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return run_octoup("data", *args, cwd=cwd)


def tables_dataset(folder: Path) -> None:
    make_dataset(folder, files=4)
    penguins = pl.read_csv(PENGUINS / "penguins.csv", null_values="NA")
    penguins.write_parquet(folder / "penguins.parquet")
    penguins.write_csv(folder / "penguins.tsv", separator="\t")
    pics = folder / "pics"
    pics.mkdir()
    for i in range(10):
        (pics / f"{i}.png").write_bytes(bytes([i]) * 100)


def copied(project: Path, tmp_path: Path) -> None:
    tables_dataset(tmp_path / "src")
    result = data("copy", str(tmp_path / "src"), "--name", "w", cwd=project)
    assert result.returncode == 0, result.stderr


def test_fraction_sample_is_deterministic_and_covers_every_format(project, tmp_path):
    copied(project, tmp_path)
    result = data("sample", "w", "--fraction", "0.1", "--seed", "3", "--json", cwd=project)
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    manifest = mf.load_dataset(project, "w")
    tables = [p for p in manifest.files if p.endswith((".csv", ".tsv", ".parquet", ".jsonl"))]
    assert summary["tables"] == len(tables) == 7
    assert summary["files"] == len(tables) + 1  # ceil(10 pictures × 0.1)
    assert manifest.sample_spec == {"fraction": 0.1, "rows": None, "stratify": None, "seed": 3, "split": 0.7,
                                    "examples": 5}
    assert summary["split_files"] == 2 * len(tables)
    assert all(e.key == f"w/sample/{p}" for p, e in manifest.sample_files.items())
    pulled = data("pull", "w", "--sample", cwd=project)
    assert pulled.returncode == 0, pulled.stderr
    local = project / "data/raw/w"
    full = pl.read_csv(PENGUINS / "penguins.csv", null_values="NA")
    for name, frame in (("penguins.csv", pl.read_csv(local / "penguins.csv", null_values="NA")),
                        ("penguins.tsv", pl.read_csv(local / "penguins.tsv", separator="\t",
                                                     null_values="NA")),
                        ("penguins.parquet", pl.read_parquet(local / "penguins.parquet"))):
        assert frame.height == round(full.height * 0.1), name
        assert frame.columns == full.columns
    first = {p: e.sha256 for p, e in manifest.sample_files.items()}
    data("sample", "w", "--fraction", "0.1", "--seed", "3", cwd=project)
    assert {p: e.sha256 for p, e in mf.load_dataset(project, "w").sample_files.items()} == first
    data("sample", "w", "--fraction", "0.1", "--seed", "4", cwd=project)
    assert {p: e.sha256 for p, e in mf.load_dataset(project, "w").sample_files.items()} != first


def test_rows_and_stratified_samples(project, tmp_path):
    copied(project, tmp_path)
    result = data("sample", "w", "--rows", "30", "--stratify", "species", "--json", cwd=project)
    assert result.returncode == 2 and "--stratify species: no such column" in result.stderr  # station CSVs
    assert data("rm", "w", "--objects", "--yes", cwd=project).returncode == 0
    assert data("copy", str(PENGUINS / "penguins.csv"), "--name", "p", cwd=project).returncode == 0
    ok = data("sample", "p", "--rows", "30", "--stratify", "species", cwd=project)
    assert ok.returncode == 0, ok.stderr
    assert data("pull", "p", "--sample", cwd=project).returncode == 0
    sample = pl.read_csv(project / "data/raw/p/penguins.csv", null_values="NA")
    full = pl.read_csv(PENGUINS / "penguins.csv", null_values="NA")
    counts = dict(sample["species"].value_counts().iter_rows())
    assert set(counts) == set(full["species"].unique())  # every stratum kept
    for species, n in dict(full["species"].value_counts().iter_rows()).items():
        assert abs(counts[species] - 30 * n / full.height) <= 1, species
    # the script sees the pulled sample as the local file
    script = "import octoup.data; print(octoup.data.path('p/penguins.csv'))"
    where = subprocess.run([sys.executable, "-c", script], cwd=project, capture_output=True, text=True)
    assert where.stdout.strip() == str(project / "data/raw/p/penguins.csv"), where.stderr


def test_bad_sample_requests(project, tmp_path):
    copied(project, tmp_path)
    for args, message in ((["w"], "give either --fraction or --rows"),
                          (["w", "--fraction", "0.1", "--rows", "3"], "give either --fraction or --rows"),
                          (["w", "--fraction", "1.5"], "is not in (0, 1]"),
                          (["w", "--rows", "0"], "is not a positive number of rows")):
        result = data("sample", *args, cwd=project)
        assert result.returncode == 2 and message in result.stderr, (args, result.stderr)
    nothing = data("pull", "w", "--sample", cwd=project)
    assert nothing.returncode == 2 and "'w' has no sample yet" in nothing.stderr


def test_sample_is_split_train_eval_with_examples_and_stats_only_pull(project, tmp_path):
    copied(project, tmp_path)
    result = data("sample", "w", "--rows", "100", "--seed", "5", "--split", "0.7", cwd=project)
    assert result.returncode == 0, result.stderr
    manifest = mf.load_dataset(project, "w")
    train = manifest.sample_files["split/train/penguins.csv"]
    held_out = manifest.sample_files["split/eval/penguins.csv"]
    assert (train.source_id, held_out.source_id) == ("rows=70", "rows=30")
    assert train.key == "w/sample/split/train/penguins.csv"
    pulled = data("pull", "w", "--sample", cwd=project)
    assert pulled.returncode == 0, pulled.stderr
    local = project / "data/raw/w"
    both = pl.concat([pl.read_csv(local / "split/train/penguins.csv", null_values="NA"),
                      pl.read_csv(local / "split/eval/penguins.csv", null_values="NA")])
    sample = pl.read_csv(local / "penguins.csv", null_values="NA")
    assert both.sort(both.columns).equals(sample.sort(sample.columns))  # a partition of the sample
    lines = (project / "data/.octoup/w/examples.jsonl").read_text().splitlines()
    examples = [json.loads(line) for line in lines]
    assert {e["table"] for e in examples} >= {"penguins.csv", "penguins.parquet"}
    assert all(e["split"] == "eval" for e in examples)
    first = next(e for e in examples if e["table"] == "penguins.csv")
    assert set(first["row"]) == set(sample.columns)

    assert data("stats", "w", cwd=project).returncode == 0
    assert data("schema", "w", cwd=project).returncode == 0
    meta = project / "data/.octoup/w"
    saved = {p.name: p.read_bytes() for p in meta.iterdir() if p.is_file() and p.name != "manifest.json"}
    for name in saved:
        (meta / name).unlink()
    fetched = data("pull", "w", "--stats-only", cwd=project)
    assert fetched.returncode == 0, fetched.stderr
    assert "examples.jsonl, schema.yaml, stats.json → data/.octoup/w/" in fetched.stderr
    assert {p.name: p.read_bytes() for p in meta.iterdir() if p.name in saved} == saved


def test_streamed_sample_does_not_depend_on_batching_and_is_uniform():
    from octoup.data.sample import SampleSpec, sample_table

    frame = pl.DataFrame({"i": range(20_000), "g": [i % 7 == 0 for i in range(20_000)]})

    def batched(size):
        return lambda: (frame.slice(i, size) for i in range(0, frame.height, size))

    for spec in (SampleSpec(rows=500, seed=4), SampleSpec(fraction=0.03, seed=4),
                 SampleSpec(fraction=0.01, stratify="g", seed=4), SampleSpec(rows=300, stratify="g", seed=9)):
        whole, total = sample_table(batched(20_000), spec)
        pieces, _ = sample_table(batched(777), spec)
        assert total == 20_000 and whole.equals(pieces), spec
        assert whole["i"].is_sorted()  # original order kept
    uniform, _ = sample_table(batched(1000), SampleSpec(rows=2000, seed=1))
    assert abs(uniform["i"].mean() - 10_000) < 400  # not biased to the start
    tiny, total = sample_table(lambda: iter([frame.head(30)]), SampleSpec(fraction=0.01, seed=2))
    assert (tiny.height, total) == (1, 30)  # at least one row, found by the keep-all pass

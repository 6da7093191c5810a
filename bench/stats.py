"""`octoup data stats` against duckdb's SUMMARIZE, TFDV and ydata-profiling, in the same run.

Data: 10 generated Parquet files × 1M rows × 20 columns (10 float with 2% gaps, 5 int, 3 categorical
strings, 1 high-cardinality id, 1 timestamp), cached in ~/.cache/octoup-bench/stats-10m.

- full set: `octoup data stats` (local provider, a fresh process) vs duckdb `SUMMARIZE` over the same
  files (a fresh process): wall time and peak RSS of the process;
- streaming: the same with `--memory 1GB` and `--memory 500MB`: peak RSS must stay under the budget;
- per row, compute only (imports and loading excluded for the peers, which take a pandas frame; octoup
  still reads its file): 1M-row file, TFDV `generate_statistics_from_dataframe` and ydata-profiling
  `ProfileReport(minimal=True).get_description()`.

The peers live in their own venvs (~/.cache/octoup-bench/peer-*), made with uv on first use.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from bench.common import ROOT, Measurement, save, temp_dir

CACHE = Path.home() / ".cache" / "octoup-bench"
DATA = CACHE / "stats-10m"
PEERS = {
    "duckdb": ["duckdb"],
    "tfdv": ["tensorflow-data-validation", "pandas<2", "dill", "setuptools<81"],
    "ydata": ["ydata-profiling", "visions>=0.8.1", "setuptools<81", "pyarrow"],
}
"""One venv per peer: TFDV 1.16 needs pandas < 2, ydata-profiling 4.18 needs visions 0.8 (pandas >= 2)."""
RUN = """
import resource, subprocess, sys, time, json
start = time.perf_counter()
done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
print(json.dumps({"seconds": time.perf_counter() - start, "rc": done.returncode, "err": done.stderr[-2000:],
                  "rss": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024}))
"""
GENERATE = """
import numpy as np, polars as pl, sys
path, seed, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = np.random.default_rng(seed)
cols = {}
for j in range(10):
    v = rng.normal(j * 10, 1 + j, n)
    v[rng.random(n) < 0.02] = np.nan
    cols[f"f{j}"] = pl.Series(v).fill_nan(None)
for j in range(5):
    cols[f"i{j}"] = rng.integers(0, 10 ** (j + 1), n)
for j in range(3):
    cols[f"c{j}"] = pl.Series(rng.choice([f"cat{k}" for k in range(5 * (j + 1) ** 2)], n))
cols["id"] = pl.Series([f"u{x:09d}" for x in rng.integers(0, 10**9, n)])
cols["ts"] = pl.Series(rng.integers(1_600_000_000, 1_700_000_000, n) * 1_000_000).cast(pl.Datetime("us"))
pl.DataFrame(cols).write_parquet(path, row_group_size=128 * 1024)
"""
DUCKDB = """
import duckdb, sys
duckdb.sql(f"SUMMARIZE SELECT * FROM read_parquet('{sys.argv[1]}/*.parquet')").fetchall()
"""
PEER_COMPUTE = """
import json, sys, time, pandas as pd
frame = pd.read_parquet(sys.argv[2])
if sys.argv[1] == "tfdv":
    import tensorflow_data_validation as tfdv
    start = time.perf_counter()
    tfdv.generate_statistics_from_dataframe(frame)
else:
    from ydata_profiling import ProfileReport
    start = time.perf_counter()
    ProfileReport(frame, minimal=True, progress_bar=False).get_description()
print(json.dumps({"seconds": time.perf_counter() - start}))
"""
OCTOUP_COMPUTE = """
import json, sys, time
from pathlib import Path
from octoup.config import open_project
from octoup.data.stats import StatsRequest, compute
project = open_project(Path.cwd())
start = time.perf_counter()
compute(project, StatsRequest(sys.argv[1]))
print(json.dumps({"seconds": time.perf_counter() - start}))
"""


def _env() -> dict:
    return {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"} | {"NO_GCE_CHECK": "true"}


def generate(files: int, rows: int) -> list[Path]:
    DATA.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(files):
        path = DATA / f"part-{i:02d}.parquet"
        if not path.exists():
            print(f"generating {path}", file=sys.stderr)
            subprocess.run([sys.executable, "-c", GENERATE, str(path), str(i), str(rows)], check=True)
        paths.append(path)
    return paths


def peer_python(name: str) -> Path:
    folder = CACHE / f"peer-{name}"
    python = folder / "bin" / "python"
    if not python.exists():
        subprocess.run(["uv", "venv", "-q", "-p", "3.11", str(folder)], check=True)
        subprocess.run(["uv", "pip", "install", "-q", "--python", str(python), *PEERS[name]], check=True)
    return python


def timed(argv: list[str], cwd: Path, env: dict) -> dict:
    """Wall time and the child's peak RSS, from a small wrapper process."""
    out = subprocess.run([sys.executable, "-c", RUN, *argv], cwd=cwd, env=env, capture_output=True, text=True,
                         check=True)
    result = json.loads(out.stdout)
    if result["rc"] != 0:
        raise SystemExit(f"{argv} failed:\n{result['err']}")
    return result


def project(folder: Path, name: str, source: Path, env: dict) -> None:
    (folder / "octoup.toml").write_text('[project]\nname = "bench"\ndefault_cloud = "local"\n')
    subprocess.run([sys.executable, "-m", "octoup", "data", "copy", str(source), "--name", name], cwd=folder,
                   env=env, check=True, capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2, help="best of N for the full-set timings")
    parser.add_argument("--skip-peers", action="store_true", help="octoup and duckdb only (no TFDV, ydata)")
    args = parser.parse_args()
    files = generate(10, 1_000_000)
    measurements: list[Measurement] = []
    with temp_dir("stats") as tmp:
        env = _env() | {"OCTOUP_LOCAL_ROOT": str(tmp / "store")}
        work = tmp / "p"
        work.mkdir()
        project(work, "big", DATA, env)
        one = tmp / "one"
        one.mkdir()
        (one / files[0].name).symlink_to(files[0])
        project(work, "slice", one, env)
        octoup = [sys.executable, "-m", "octoup", "data", "stats", "big", "--json"]
        cases = {
            "duckdb SUMMARIZE": [str(peer_python("duckdb")), "-c", DUCKDB, str(DATA)],
            "octoup data stats": octoup,
            "octoup --memory 1GB": [*octoup, "--memory", "1GB"],
            "octoup --memory 500MB": [*octoup, "--memory", "500MB"],
        }
        for case, argv in cases.items():
            best = min((timed(argv, work, env) for _ in range(args.runs)), key=lambda r: r["seconds"])
            measurements.append(Measurement("stats", "10M rows × 20 columns", case, best["seconds"],
                                            sum(f.stat().st_size for f in files), runs=args.runs,
                                            extra={"peak_rss": best["rss"]}))
            print(f"{case}: {best['seconds']:.1f} s, {best['rss'] / 2**20:.0f} MiB", file=sys.stderr)
        per_row = {"octoup": [sys.executable, "-c", OCTOUP_COMPUTE, "slice"]}
        if not args.skip_peers:
            per_row |= {name: [str(peer_python(name)), "-c", PEER_COMPUTE, name, str(files[0])]
                        for name in ("tfdv", "ydata")}
        for client, argv in per_row.items():
            out = subprocess.run(argv, cwd=work, env=env, capture_output=True, text=True, check=True)
            seconds = json.loads(out.stdout.strip().splitlines()[-1])["seconds"]
            measurements.append(Measurement("stats", "1M rows × 20 columns, compute only", client, seconds))
            print(f"{client} (1M rows): {seconds:.1f} s", file=sys.stderr)
    by = {m.client: m for m in measurements}
    meta = {"ratio_vs_duckdb": round(by["octoup data stats"].seconds / by["duckdb SUMMARIZE"].seconds, 2),
            "peak_rss_mib": round(by["octoup data stats"].extra["peak_rss"] / 2**20)}
    if not args.skip_peers:
        meta |= {"tfdv_over_octoup": round(by["tfdv"].seconds / by["octoup"].seconds, 2),
                 "ydata_over_octoup": round(by["ydata"].seconds / by["octoup"].seconds, 2)}
    print(json.dumps(meta), file=sys.stderr)
    save("stats", measurements, meta)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()

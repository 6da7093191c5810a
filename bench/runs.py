"""Run tracking: `octoup run` overhead, and the insights site for 1,000 runs.

- overhead: ``octoup run trivial.py`` against ``python trivial.py`` (the script prints one line),
  each a fresh process, best of N after a warm-up; goal: octoup adds ≤ 1.5 s.
- insights: 1,000 runs × 20 metrics × 100 steps (2 M metric values, 20,000 metric files, 5
  params each) in MLflow's file-store layout; ``octoup runs insights`` as a fresh process (goal
  ≤ 10 s); the peer is MLflow's own client reading the same runs and histories
  (``search_runs`` + ``get_metric_history`` per metric), i.e. what any dashboard built on the
  tracking API would have to do first.
- page load: Debian's Chromium (headless, playwright) loading index.html, experiments.html (all
  1,000 runs in the grid) and one run page until the ``load`` event (goal ≤ 3 s each).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

from bench.common import Measurement, best_of, save, temp_dir

BIN = Path(sys.executable).parent


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return env | {"MLFLOW_ALLOW_FILE_STORE": "true"}


def _run(argv: list[str], cwd: Path) -> None:
    subprocess.run(argv, cwd=cwd, env=_env(), check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)


def overhead(runs: int) -> list[Measurement]:
    with temp_dir("run") as work:
        (work / "trivial.py").write_text("print('hello')\n")
        cases = {"python": [sys.executable, "trivial.py"],
                 "octoup": [str(BIN / "octoup"), "run", "trivial.py"]}
        for argv in cases.values():
            _run(argv, work)  # warm-up: bytecode, page cache
        return [Measurement("runs", "overhead", client, best_of(runs, lambda a=argv: _run(a, work)),
                            runs=runs) for client, argv in cases.items()]


def make_runs(root: Path, count: int, metrics: int, steps: int) -> None:
    """``count`` finished runs in two experiments, written in MLflow's file-store layout."""
    from octoup.track.filestore import RunWriter, ensure_experiment

    rng = random.Random(1)
    runs = root / "runs"
    experiments = [ensure_experiment(runs, name) for name in ("wine-quality", "wine-tuning")]
    start = int(time.time() * 1000) - count * 60_000
    for i in range(count):
        writer = RunWriter.create(runs, experiments[i % 2], f"run-{i}", {"octoup.kind": "script"})
        for key, value in {"n_estimators": rng.choice([50, 100, 200, 400]), "max_depth": rng.randint(2, 12),
                           "min_samples_leaf": rng.randint(1, 8), "criterion": rng.choice(["mse", "mae"]),
                           "seed": i}.items():
            writer.log_param(key, value)
        base = start + i * 60_000
        for m in range(metrics):
            level = rng.random()
            lines = "".join(f"{base + s * 100} {level / (1 + s * 0.05) + rng.random() * 0.01} {s}\n"
                            for s in range(steps))
            (writer.folder / "metrics" / f"metric_{m:02d}").write_text(lines)
        writer.terminate("FINISHED")


def mlflow_read(root: Path) -> None:
    from mlflow import MlflowClient

    os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"
    client = MlflowClient(f"file:{root / 'runs'}")
    for experiment in client.search_experiments():
        for run in client.search_runs([experiment.experiment_id], max_results=5000):
            for key in run.data.metrics:
                client.get_metric_history(run.info.run_id, key)


def page_loads(site: Path) -> list[Measurement]:
    import shutil as sh

    from playwright.sync_api import sync_playwright

    from tests.browser import open_page

    pages = {"index.html": site / "index.html", "experiments.html": site / "experiments.html",
             "run page": next((site / "runs").glob("*.html"))}
    rows = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=sh.which("chromium"),
                                             args=["--no-sandbox", "--disable-gpu"])
        for name, page in pages.items():
            times, errors = [], []
            for attempt in range(4):
                loaded = open_page(browser, page, site.parent / "shot.png")
                errors += loaded.console_errors + loaded.page_errors
                loaded.page.close()
                if attempt:
                    times.append(loaded.load_seconds)
            rows.append(Measurement("runs", "page load", name, min(times), nbytes=page.stat().st_size, runs=3,
                                    extra={"errors": errors, "all_seconds": times}))
        browser.close()
    return rows


def insights(count: int, metrics: int, steps: int, peer_runs: int) -> tuple[list[Measurement], dict]:
    with temp_dir("insights") as work:
        started = time.perf_counter()
        make_runs(work, count, metrics, steps)
        made = time.perf_counter() - started
        site = work / "site"
        octoup = best_of(3, lambda: _run([str(BIN / "octoup"), "runs", "insights", "--out", str(site)], work))
        pages = sum(1 for _ in site.rglob("*.html"))
        size = sum(p.stat().st_size for p in site.rglob("*") if p.is_file())
        peer = best_of(peer_runs, lambda: mlflow_read(work))
        rows = [Measurement("runs", "insights", "octoup runs insights", octoup, nbytes=size, runs=3,
                            extra={"pages": pages}),
                Measurement("runs", "insights", "MlflowClient read only", peer, runs=peer_runs)]
        rows += page_loads(site)
        shutil.rmtree(site)
    return rows, {"runs": count, "metrics": metrics, "steps": steps, "generate_seconds": round(made, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--count", type=int, default=1000)
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    rows = overhead(args.runs)
    more, meta = insights(args.count, 20, 100, 1)
    rows += more
    by = {(m.case, m.client): m.seconds for m in rows}
    meta |= {"overhead_seconds": round(by[("overhead", "octoup")] - by[("overhead", "python")], 3),
             "overhead_goal": 1.5, "insights_goal": 10, "load_goal": 3,
             "load_average": [round(load_before, 1), round(os.getloadavg()[0], 1)]}
    print(save("runs", rows, meta))


if __name__ == "__main__":
    main()

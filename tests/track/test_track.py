"""octoup.track, `octoup run` and `octoup runs`: real MLflow, papermill, git and Chromium."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.browser import keep_screenshot, open_page

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "wine-quality"


def client(project: Path):
    from mlflow import MlflowClient

    os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"
    return MlflowClient(f"file:{project / 'runs'}")


def all_runs(project: Path):
    c = client(project)
    return [r for e in c.search_experiments() for r in c.search_runs([e.experiment_id])]


@pytest.fixture
def wine(isolated) -> Path:
    """The wine-quality example as a git project with one commit."""
    for name in ("random_forest.py", "random_forest.ipynb", "wine_data.py", "conda.yaml", ".gitignore"):
        shutil.copy(EXAMPLE / name, isolated / name)
    (isolated / "octoup.toml").write_text('[project]\nname = "wine"\n')
    commit = ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "x"]
    for args in (["init", "-q"], ["add", "."], commit):
        subprocess.run(["git", *args], cwd=isolated, check=True)
    return isolated


def test_session_is_parent_of_unchanged_mlflow_code_and_mlflow_reads_everything(isolated, monkeypatch):
    import mlflow

    import octoup.track

    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    (isolated / "wine.csv").write_text("a,b,quality\n" + "".join(f"{i},{i * 2},{i % 3}\n" for i in range(20)))
    with octoup.track.session("wine") as s:
        frame = s.load("wine.csv")
        train, test = s.split(frame, train=0.7, seed=3)
        s.log_metric("rows", len(frame))
        with mlflow.start_run(run_name="user-run"):  # no nested=True: Sarah's code as it was
            mlflow.log_param("alpha", 0.5)
            for step in range(3):
                mlflow.log_metric("loss", 1.0 / (step + 1), step=step)
            mlflow.log_text("hello", "notes/hello.txt")
    assert (len(train), len(test)) == (14, 6)
    assert "MLFLOW_TRACKING_URI" not in os.environ and "OCTOUP_PARENT_RUN_ID" not in os.environ
    assert (isolated / "runs" / "wine" / s.run_id / "meta.yaml").is_file()
    c = client(isolated)
    parent = c.get_run(s.run_id)
    child = next(r for r in all_runs(isolated) if r.info.run_name == "user-run")
    assert parent.info.status == child.info.status == "FINISHED"
    assert child.data.tags["mlflow.parentRunId"] == s.run_id
    assert child.data.params == {"alpha": "0.5"}
    assert [m.value for m in c.get_metric_history(child.info.run_id, "loss")] == [1.0, 0.5, 1.0 / 3]
    assert parent.data.params == {"split.train": "0.7", "split.seed": "3", "split.rows": "14/6"}
    assert parent.data.metrics == {"rows": 20.0}
    tags = parent.data.tags
    assert tags["octoup.loaded.wine"].startswith("file@") and len(tags["octoup.loaded.wine"]) == 5 + 64
    assert tags["octoup.git.commit"] == "none" and tags["octoup.host"] and tags["octoup.env.lock_sha256"]
    assert parent.inputs.dataset_inputs[0].dataset.name == "wine"
    assert [a.path for a in c.list_artifacts(s.run_id, "octoup")] == ["octoup/env-lock.txt"]
    lock = Path(c.download_artifacts(s.run_id, "octoup/env-lock.txt")).read_text()
    assert "mlflow-skinny==" in lock.lower() or "mlflow_skinny==" in lock.lower()
    assert [a.path for a in c.list_artifacts(child.info.run_id, "notes")] == ["notes/hello.txt"]


def test_session_failure_marks_failed_with_traceback(isolated):
    import octoup.track

    with pytest.raises(ZeroDivisionError), octoup.track.session("oops") as s:
        1 / 0  # noqa: B018
    run = client(isolated).get_run(s.run_id)
    assert run.info.status == "FAILED"
    text = (isolated / "runs" / "oops" / s.run_id / "artifacts" / "octoup" / "traceback.txt").read_text()
    assert "ZeroDivisionError" in text


def test_polars_split_matches_pandas(isolated):
    import pandas as pd
    import polars as pl

    from octoup.track.loading import split

    frame = pd.DataFrame({"x": range(50)})
    a, _ = split(frame, 0.6, seed=9)
    b, _ = split(pl.from_pandas(frame), 0.6, seed=9)
    assert a["x"].tolist() == b["x"].to_list() and len(a) == 30


def test_five_runs_of_the_example_in_mlflow_ls_and_diff(wine, octoup):
    for trees, depth in [(20, 3), (30, 4), (40, 5), (50, 6), (60, 7)]:
        result = octoup("run", "-e", "wine-quality", "random_forest.py", str(trees), str(depth))
        assert result.returncode == 0, result.stderr
        assert f"n_estimators={trees}" in result.stdout and "FINISHED" in result.stderr
    runs = all_runs(wine)
    parents = [r for r in runs if r.data.tags.get("octoup.kind") == "script"]
    children = [r for r in runs if "mlflow.parentRunId" in r.data.tags]
    assert len(parents) == len(children) == 5
    assert {r.data.params["n_estimators"] for r in children} == {"20", "30", "40", "50", "60"}
    assert {c.data.tags["mlflow.parentRunId"] for c in children} == {p.info.run_id for p in parents}
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=wine, capture_output=True,
                          text=True).stdout.strip()
    assert all(p.data.tags["octoup.git.commit"] == head for p in parents)
    assert all(p.data.tags["octoup.git.dirty"] == "false" for p in parents)  # runs/ does not count
    assert all(p.data.params["split.rows"] == "1119/480" for p in parents)
    listed = json.loads(octoup("runs", "ls", "--json").stdout)
    assert len(listed) == 10
    ranked = json.loads(octoup("runs", "ls", "--sort", "rmse", "--json").stdout)
    assert [r["metrics"]["rmse"] for r in ranked] == sorted(r.data.metrics["rmse"] for r in children)
    shown = octoup("runs", "ls")
    assert shown.returncode == 0 and shown.stdout.count("└") == 5
    a, b = ranked[0]["run_id"], ranked[-1]["run_id"]
    diff = json.loads(octoup("runs", "diff", a[:8], b[:8], "--json").stdout)
    assert {c["key"] for c in diff["params"]} == {"n_estimators", "max_depth"}
    assert "rmse" in {c["key"] for c in diff["metrics"]}
    assert octoup("runs", "show", a[:8]).stdout.count("n_estimators") == 1
    missing = octoup("runs", "ls", "--sort", "accuracy")
    assert missing.returncode == 2 and "no run has a metric 'accuracy'" in missing.stderr


def test_failing_script_is_failed_with_traceback_and_exit_code(isolated, octoup):
    (isolated / "boom.py").write_text("import sys\nprint('working')\nif len(sys.argv) > 1:\n"
                                      "    sys.exit(int(sys.argv[1]))\nraise RuntimeError('bad wine')\n")
    result = octoup("run", "boom.py")
    assert result.returncode == 1 and "working" in result.stdout
    assert "RuntimeError: bad wine" in result.stderr and "traceback.txt" in result.stderr
    (run,) = all_runs(isolated)
    assert run.info.status == "FAILED"
    folder = isolated / "runs" / run.info.experiment_id / run.info.run_id / "artifacts" / "octoup"
    assert (folder / "traceback.txt").read_text().startswith("Traceback (most recent call last):")
    assert "working" in (folder / "output.log").read_text()
    assert octoup("run", "boom.py", "7").returncode == 7


def test_notebook_runs_with_parameters_and_nests_its_runs(wine, octoup):
    result = octoup("run", "random_forest.ipynb", "-p", "n_estimators=30", "-p", "max_depth=3")
    assert result.returncode == 0, result.stderr
    runs = all_runs(wine)
    parent = next(r for r in runs if r.data.tags.get("octoup.kind") == "notebook")
    child = next(r for r in runs if r.data.tags.get("mlflow.parentRunId") == parent.info.run_id)
    assert parent.data.params["n_estimators"] == "30" and child.data.params["max_depth"] == "3"
    executed = wine / "runs" / parent.info.experiment_id / parent.info.run_id / "artifacts" / "octoup"
    cells = json.loads((executed / "random_forest.ipynb").read_text())["cells"]
    assert any("injected-parameters" in c["metadata"].get("tags", []) for c in cells)


def test_bad_kernel_is_a_clear_error_and_records_nothing(isolated, octoup):
    import nbformat

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(1)")])
    nb.metadata["kernelspec"] = {"name": "no-such-kernel", "display_name": "x", "language": "python"}
    nbformat.write(nb, isolated / "nb.ipynb")
    result = octoup("run", "nb.ipynb")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "kernel 'no-such-kernel', which is not installed" in result.stderr and "hint: " in result.stderr
    assert not (isolated / "runs").exists()


def test_failing_notebook_cell_is_failed_and_viewable(isolated, octoup, chromium, tmp_path):
    import nbformat

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("raise ValueError('cell broke')")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, isolated / "nb.ipynb")
    result = octoup("run", "nb.ipynb")
    assert result.returncode == 1
    (run,) = all_runs(isolated)
    assert run.info.status == "FAILED"
    text = (isolated / "runs" / run.info.experiment_id / run.info.run_id / "artifacts" / "octoup"
            / "traceback.txt").read_text()
    assert "ValueError: cell broke" in text and "\x1b[" not in text
    assert octoup("runs", "insights").returncode == 0
    page = isolated / "insights" / "runs" / f"{run.info.run_id}.html"
    loaded = open_page(chromium, page, tmp_path / "nb.png")
    loaded.assert_clean()
    assert "cell broke" in loaded.page.inner_text(".notebook pre.output.error")
    source = loaded.page.locator(".notebook .cell.code pre.source").inner_text()
    assert source == "raise ValueError('cell broke')"
    loaded.page.close()


def test_script_as_notebook_and_back(isolated, octoup):
    from octoup.track.notebooks import notebook_to_script, script_to_notebook

    script = '# %% tags=["parameters"]\nx = 2\n\n# %% [markdown]\n# Title\n\n# %%\nprint(x * 21)\n'
    nb = script_to_notebook(script)
    assert [c.cell_type for c in nb.cells] == ["code", "markdown", "code"]
    assert notebook_to_script(nb) == script
    (isolated / "s.py").write_text(script)
    result = octoup("run", "--as-notebook", "-p", "x=5", "s.py")
    assert result.returncode == 0, result.stderr
    assert "105" in result.stdout


def test_corrupted_run_folder_is_skipped_with_a_warning(isolated, octoup):
    (isolated / "ok.py").write_text("print('fine')\n")
    assert octoup("run", "ok.py").returncode == 0
    assert octoup("run", "ok.py").returncode == 0
    (run, _) = all_runs(isolated)
    broken = isolated / "runs" / run.info.experiment_id / run.info.run_id / "meta.yaml"
    broken.write_text("{{ not yaml")
    (isolated / "runs" / run.info.experiment_id / ("f" * 32)).mkdir()  # no meta.yaml at all
    result = octoup("runs", "ls", "--json")
    assert result.returncode == 0
    assert len(json.loads(result.stdout)) == 1
    assert f"runs/{run.info.experiment_id}/{run.info.run_id}: skipped" in result.stderr
    assert "meta.yaml is missing" in result.stderr
    built = octoup("runs", "insights")
    assert built.returncode == 0 and "for 1 runs" in built.stderr


def test_bad_input_is_a_clear_error(isolated, octoup):
    (isolated / "x.py").write_text("print(1)\n")
    for args, message in [(["run", "nope.py"], "nope.py: no such file"),
                          (["run", "-e", "bad name!", "x.py"], "'bad name!' is not a usable experiment name"),
                          (["run", "-p", "1x=2", "--as-notebook", "x.py"], "is not key=value"),
                          (["runs", "show", "zzzz"], "no run 'zzzz'")]:
        result = octoup(*args)
        assert result.returncode == 2 and message in result.stderr and "Traceback" not in result.stderr, args
    assert not any((isolated / "runs").glob("*/*/meta.yaml"))


def test_insights_pages_load_clean_and_link(wine, octoup, chromium, tmp_path):
    for trees in (20, 40):
        assert octoup("run", "random_forest.py", str(trees)).returncode == 0
    (wine / "fail.py").write_text("raise SystemExit('stopped')\n")
    octoup("run", "fail.py")
    result = octoup("runs", "insights", "--out", "site")
    assert result.returncode == 0, result.stderr
    site = wine / "site"
    pages = {"insights": site / "index.html", "experiments": site / "experiments.html"}
    child = next(r for r in all_runs(wine) if "mlflow.parentRunId" in r.data.tags)
    pages["run"] = site / "runs" / f"{child.info.run_id}.html"
    for name, page in pages.items():
        loaded = open_page(chromium, page, tmp_path / f"{name}.png")
        loaded.assert_clean()
        keep_screenshot(loaded.screenshot, f"insights-{name}.png")
        p = loaded.page
        if name == "insights":
            assert p.locator("#best tbody tr").count() == 4  # mae, r2, rmse, rmse_by_trees
            assert p.locator("#time-chart svg circle").count() == 2
            assert p.locator("#pc-chart svg path").count() == 2
            p.click("#best tbody tr >> nth=0 >> a")
            assert "/runs/" in p.url and p.locator("#metric-charts svg").count() == 1  # rmse_by_trees
            assert p.locator("#metric-charts .single").count() == 3  # mae, r2, rmse: one value each
        if name == "experiments":
            assert p.locator("#runs-grid tbody tr").count() == 5
            p.fill("#text-filter", "FAILED")
            assert p.locator("#runs-grid tbody tr").count() == 1
            p.click("#runs-grid tbody tr >> nth=0 >> a")
            assert p.locator("text=stopped").count() >= 1  # its output log is viewable
        if name == "run":
            assert p.locator("text=octoup.git.commit (parent run)").count() == 1  # the child shows its origin
            p.select_option("#x-axis", "relative")
            assert "seconds since start" in p.inner_text("#metric-charts")
            p.click("#parent-link")
            assert p.locator("text=octoup.git.commit").count() == 1
            p.click("#nav-experiments")
            assert p.url.endswith("experiments.html")
        p.close()


def test_status_says_what_to_commit(isolated, octoup):
    assert octoup("status").returncode == 2  # not a git repository: a clear error
    (isolated / "requirements.txt").write_text("mlflow-skinny\n")
    (isolated / "ok.py").write_text("print('fine')\n")
    commit = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "x"]
    subprocess.run(["git", "init", "-q"], cwd=isolated, check=True)
    subprocess.run(["git", "add", "."], cwd=isolated, check=True)
    subprocess.run(commit, cwd=isolated, check=True)
    clean = octoup("status")
    assert clean.returncode == 0 and clean.stdout.startswith("Nothing to commit")
    (isolated / "requirements.txt").write_text("mlflow-skinny\nscikit-learn\n")
    assert octoup("run", "-e", "wine", "ok.py").returncode == 0
    result = octoup("status")
    assert "Found 1 environment file modified since the last commit:\n    - requirements.txt (modified)" \
        in result.stdout
    assert "1 new run (wine: 1)" in result.stdout
    assert "git add requirements.txt runs" in result.stdout
    subprocess.run(["git", "add", "."], cwd=isolated, check=True)
    subprocess.run(commit, cwd=isolated, check=True)
    assert octoup("status").stdout.startswith("Nothing to commit")
    (isolated / ".gitignore").write_text("runs/\n")
    assert octoup("run", "-e", "wine", "ok.py").returncode == 0
    ignored = octoup("status").stdout
    assert ignored.startswith("runs/ is ignored by git (.gitignore:1:runs/)")  # said, not silently skipped
    assert "1 new run" not in ignored


def test_insights_workflow_builds_and_publishes(isolated, octoup):
    import yaml

    result = octoup("runs", "workflow", "--branch", "trunk")
    assert result.returncode == 0, result.stderr
    path = isolated / ".github" / "workflows" / "octoup-insights.yml"
    flow = yaml.safe_load(path.read_text())
    assert flow[True]["push"]["branches"] == ["trunk"]  # YAML 1.1 reads the key `on` as True
    build = [s.get("run", s.get("uses", "")) for s in flow["jobs"]["build"]["steps"]]
    assert "octoup runs insights --out _insights" in build
    assert any(u.startswith("actions/upload-pages-artifact") for u in build)
    assert flow["jobs"]["deploy"]["environment"]["url"] == "${{ steps.deployment.outputs.page_url }}"
    again = octoup("runs", "workflow")
    assert again.returncode == 2 and "already exists" in again.stderr


def test_export_to_sqlite_writes_a_database_mlflow_reads(isolated, octoup):
    (isolated / "ok.py").write_text("import mlflow\nwith mlflow.start_run():\n"
                                    "    mlflow.log_metric('m', 1.5)\n")
    assert octoup("run", "ok.py").returncode == 0
    result = octoup("runs", "export", "--to", "sqlite", "runs.db")
    assert result.returncode == 0, result.stderr
    from mlflow import MlflowClient

    c = MlflowClient(f"sqlite:///{isolated / 'runs.db'}")
    runs = [r for e in c.search_experiments() for r in c.search_runs([e.experiment_id])]
    ids = {r.info.run_id for r in runs}
    assert len(runs) == 2 and any(r.data.tags.get("mlflow.parentRunId") in ids for r in runs)
    assert any(r.data.metrics.get("m") == 1.5 for r in runs)


def test_secrets_never_land_in_runs(isolated, octoup):
    secret = "s3cr3t-Value-0123456789"
    (isolated / "leak.py").write_text("import os, sys\nprint('key', os.environ['AWS_SECRET_ACCESS_KEY'])\n"
                                      "raise SystemExit('failed with ' + sys.argv[1])\n")
    result = octoup("run", "leak.py", f"--token={secret}", env={"AWS_SECRET_ACCESS_KEY": secret})
    assert result.returncode == 1
    written = [p for p in (isolated / "runs").rglob("*") if p.is_file()]
    assert any(p.name == "output.log" for p in written) and any(p.name == "octoup.command" for p in written)
    assert not [p for p in written if secret in p.read_text(errors="replace")]
    assert "***" in next(p for p in written if p.name == "traceback.txt").read_text()


def test_load_a_project_dataset_records_its_version_and_hash(isolated, octoup, monkeypatch):
    from octoup.errors import OctoupError
    from octoup.track import session

    (isolated / "octoup.toml").write_text('[project]\nname = "wine"\ndefault_cloud = "local"\n')
    source = isolated / "incoming" / "wine.csv"
    source.parent.mkdir()
    source.write_text("a,quality\n" + "".join(f"{i},{i % 4}\n" for i in range(40)))
    copied = octoup("data", "copy", "incoming/wine.csv", "--name", "wine")
    assert copied.returncode == 0, copied.stderr
    manifest = json.loads((isolated / "data" / ".octoup" / "wine" / "manifest.json").read_text())
    sha = manifest["files"]["wine.csv"]["sha256"]
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    with session("wine") as s:
        frame = s.load("wine", engine="polars")  # not pulled: streamed from the bucket
    assert frame.shape == (40, 2) and type(frame).__module__.startswith("polars")
    tags = client(isolated).get_run(s.run_id).data.tags
    assert tags["octoup.loaded.wine"] == f"latest ({manifest['updated']})@{sha}"
    assert tags["octoup.data.wine"].startswith("latest@")
    with pytest.raises(OctoupError, match="no file or dataset named 'weather'"), \
            session("wine") as s:
        s.load("weather")


def test_run_in_the_project_env_records_its_hash(isolated, octoup, monkeypatch):
    monkeypatch.delenv("VIRTUAL_ENV", raising=False)
    (isolated / "octoup.toml").write_text('[project]\nname = "envy"\n')
    (isolated / "requirements.txt").write_text("# no packages: the env is just Python\n")
    assert octoup("run", "--env", "t.py").returncode == 2  # no env yet: says to run `octoup up`
    built = octoup("up")
    assert built.returncode == 0, built.stderr
    (isolated / "t.py").write_text("import sys\nprint(sys.prefix)\n")
    result = octoup("run", "--env", "t.py")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(isolated / ".venv")
    state = json.loads((isolated / ".venv" / "octoup-env.json").read_text())
    (run,) = (isolated / "runs" / "envy").glob("*/tags")  # experiment: the project's name
    assert (run / "octoup.env.hash").read_text() == state["hash"]
    assert (run / "octoup.env.prefix").read_text() == ".venv"


def test_autolog_runs_nest_under_the_session(isolated, octoup):
    (isolated / "auto.py").write_text(
        "import numpy as np\nfrom sklearn.linear_model import LinearRegression\nimport octoup.track\n"
        "with octoup.track.session() as s:\n    s.autolog(log_models=False, log_datasets=False)\n"
        "    LinearRegression().fit(np.arange(20).reshape(10, 2), np.arange(10))\n")
    result = octoup("run", "auto.py")
    assert result.returncode == 0, result.stderr
    runs = all_runs(isolated)
    parent = next(r for r in runs if r.data.tags.get("octoup.kind") == "script")
    child = next(r for r in runs if r.data.tags.get("mlflow.parentRunId") == parent.info.run_id)
    assert child.data.metrics["training_score"] == pytest.approx(1.0)
    assert child.data.tags["mlflow.autologging"] == "sklearn"

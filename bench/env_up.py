"""Rebuilding a 29-package env from Pipfile.lock with a warm cache: octoup vs uv, pipenv and pip.

Every client starts from no env and installs the same pinned, hashed set (bench/fixtures/pipenv-lock):
- ``uv``: ``uv venv`` + ``uv pip sync`` of ``pipenv requirements --hash`` (the ceiling: octoup builds with uv)
- ``octoup``: ``octoup up --force`` (detect, venv, sync, atomic swap, env hash)
- ``pipenv``: ``pipenv install --deploy`` into a new in-project venv
- ``pip``: ``python -m venv`` + ``pip install --require-hashes``
and the no-op: ``octoup up`` when nothing changed. Caches are warmed by one untimed run each.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

from bench.common import ROOT, Measurement, best_of, save, temp_dir

FIXTURE = ROOT / "bench" / "fixtures" / "pipenv-lock"
BIN = Path(sys.executable).parent


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "VIRTUAL_ENV")}
    return env | {
        "PIPENV_VERBOSITY": "-1",
        "PIPENV_VENV_IN_PROJECT": "1",
        "PIPENV_IGNORE_VIRTUALENVS": "1",
        "PIPENV_NOSPIN": "1",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }


def run(*argv: str, cwd: Path) -> None:
    subprocess.run(
        argv, cwd=cwd, env=_env(), check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--slow-runs", type=int, default=2, help="runs for pipenv and pip")
    args = parser.parse_args()
    from octoup.env.uvtool import uv_bin

    uv = uv_bin()
    with temp_dir("env-up") as work:
        project = work / "project"
        shutil.copytree(FIXTURE, project)
        requirements = work / "requirements.txt"
        out = subprocess.run(
            [str(BIN / "pipenv"), "requirements", "--hash"],
            cwd=project,
            env=_env(),
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        requirements.write_text(out)
        packages = sum(1 for line in out.splitlines() if "==" in line)

        def uv_sync() -> None:
            shutil.rmtree(work / "uv-venv", ignore_errors=True)
            run(uv, "venv", "--quiet", str(work / "uv-venv"), cwd=work)
            run(uv, "pip", "sync", "--python", str(work / "uv-venv/bin/python"), str(requirements), cwd=work)

        def octoup_up() -> None:
            run(str(BIN / "octoup"), "up", "--force", cwd=project)

        def octoup_noop() -> None:
            run(str(BIN / "octoup"), "up", cwd=project)

        def pipenv_deploy() -> None:
            shutil.rmtree(project / ".venv", ignore_errors=True)
            run(str(BIN / "pipenv"), "install", "--deploy", cwd=project)

        def pip_install() -> None:
            shutil.rmtree(work / "pip-venv", ignore_errors=True)
            run(sys.executable, "-m", "venv", str(work / "pip-venv"), cwd=work)
            run(
                str(work / "pip-venv/bin/pip"),
                "install",
                "-q",
                "--require-hashes",
                "-r",
                str(requirements),
                cwd=work,
            )

        cases = [
            ("uv", uv_sync, args.runs),
            ("octoup", octoup_up, args.runs),
            ("pipenv", pipenv_deploy, args.slow_runs),
            ("pip", pip_install, args.slow_runs),
        ]
        results = []
        for client, fn, runs in cases:
            fn()  # warm caches
            seconds = best_of(runs, fn)
            results.append(
                Measurement("env_up", f"rebuild {packages} packages (warm cache)", client, seconds, runs=runs)
            )
            print(f"{client:8s} {seconds:7.2f} s (min of {runs})")
            if client == "pipenv":
                shutil.rmtree(project / ".venv", ignore_errors=True)
                octoup_up()
        octoup_noop()
        noop = best_of(max(args.runs, 9), octoup_noop)
        results.append(Measurement("env_up", "no-op octoup up", "octoup", noop, runs=max(args.runs, 9)))
        print(f"no-op    {noop:7.3f} s")
    by = {m.client: m.seconds for m in results if m.case.startswith("rebuild")}
    meta = {
        "packages": packages,
        "octoup_vs_uv": round(by["octoup"] / by["uv"], 3),
        "pipenv_vs_octoup": round(by["pipenv"] / by["octoup"], 1),
        "pip_vs_octoup": round(by["pip"] / by["octoup"], 1),
        "noop_seconds": round(noop, 3),
        "goals": {"octoup_vs_uv": "<= 1.3", "pipenv_vs_octoup": ">= 20", "noop_seconds": "<= 0.5"},
    }
    print(meta)
    save("env_up", results, meta)


if __name__ == "__main__":
    main()

"""``octoup run``: run a script or notebook as a tracked run.

octoup creates the parent run (provenance tags, env lock), then starts the script with MLflow
pointed at ``<project>/runs`` and the run-context provider told to nest new runs under it. Output
is shown live and kept as ``octoup/output.log``; a failure marks the run FAILED, keeps the
traceback as ``octoup/traceback.txt`` and returns the script's exit code. Notebooks run through
papermill; the executed notebook is logged as an artifact.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from octoup.errors import OctoupError
from octoup.track import notebooks, store
from octoup.track.filestore import RunWriter
from octoup.track.parent import open_parent
from octoup.track.session import RUN_ENV, TRACEBACK_ARTIFACT

OUTPUT_ARTIFACT = "octoup/output.log"
ANSI = re.compile(r"\x1b\[[0-9;]*m")


@dataclass
class RunRequest:
    target: Path
    args: list[str] = field(default_factory=list)
    experiment: str | None = None
    run_name: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    kernel: str | None = None
    as_notebook: bool = False
    project_env: bool = False


@dataclass
class RunResult:
    run_id: str
    experiment: str
    status: str
    exit_code: int
    folder: Path


def run(root: Path, request: RunRequest, *, say: Callable[[str], None] = print) -> RunResult:
    target = request.target.resolve()
    if not target.is_file():
        raise OctoupError(f"{request.target}: no such file",
                          "Give the path of a .py script or .ipynb notebook.")
    notebook = target.suffix == ".ipynb" or request.as_notebook
    if target.suffix not in (".py", ".ipynb"):
        raise OctoupError(f"{request.target}: octoup runs .py scripts and .ipynb notebooks")
    if request.args and notebook:
        raise OctoupError("a notebook takes parameters, not arguments", "Pass them as -p key=value.")
    if request.params and not notebook:
        raise OctoupError("-p sets notebook parameters; a script takes its arguments after its name",
                          "Use `octoup run train.py --alpha 0.5`, or --as-notebook.")
    prefix = _prefix(root, request.project_env)
    nb = kernel = None
    if notebook:
        nb = notebooks.read(target) if target.suffix == ".ipynb" \
            else notebooks.script_to_notebook(target.read_text(encoding="utf-8"))
        kernel = None if request.project_env else notebooks.check_kernel(target, nb, request.kernel)
    command = ["octoup", "run", *sys.argv[2:]] if len(sys.argv) > 2 else [str(target), *request.args]
    source = str(target.relative_to(root)) if target.is_relative_to(root) else str(target)
    writer = open_parent(root, experiment=request.experiment, run_name=request.run_name, prefix=prefix,
                         command=command, source=source, kind="notebook" if notebook else "script")
    for key, value in request.params.items():
        writer.log_param(key, value)
    run_id, experiment_id = writer.run_id, writer.experiment_id
    say(f"Run {run_id} in runs/{experiment_id}/ ({'notebook' if notebook else 'script'} {target.name})")

    with tempfile.TemporaryDirectory(prefix="octoup-run-") as scratch:
        env = _child_env(root, experiment_id, run_id, prefix, Path(scratch))
        try:
            if notebook:
                code = _notebook(writer, target, nb, request, kernel, prefix, env, Path(scratch))
            else:
                code = _script(writer, target, request.args, prefix, env)
        except KeyboardInterrupt:
            writer.terminate("KILLED")
            raise
    status = "FINISHED" if code == 0 else "FAILED"
    writer.terminate(status)
    return RunResult(run_id, experiment_id, status, code, store.runs_folder(root) / experiment_id / run_id)


def _prefix(root: Path, project_env: bool) -> Path:
    from octoup.env import settings
    from octoup.env.installed import is_env
    from octoup.env.resolve_env import active_env

    if project_env:
        prefix = settings.load(root).prefix(root)
        if not is_env(prefix):
            raise OctoupError(f"the project env {prefix} does not exist", "Build it with `octoup up`.")
        return prefix
    return active_env() or Path(sys.prefix)


def _python(prefix: Path) -> str:
    from octoup.env.installed import python_path

    python = python_path(prefix)
    return str(python) if python.exists() else sys.executable


def _child_env(root: Path, experiment_id: str, run_id: str, prefix: Path, scratch: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"MLFLOW_TRACKING_URI": store.tracking_uri(root), "MLFLOW_EXPERIMENT_ID": experiment_id,
                RUN_ENV: run_id, store.PARENT_ENV: run_id, store.ALLOW_FILE_STORE: "true",
                "PYTHONUNBUFFERED": "1"})
    env.pop("MLFLOW_EXPERIMENT_NAME", None)
    env.pop("MLFLOW_RUN_ID", None)
    if not _has_octoup(prefix):
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(_provider_only(scratch)),
                                                          env.get("PYTHONPATH")]))
    return env


def _has_octoup(prefix: Path) -> bool:
    from octoup.env.installed import site_packages

    if prefix.resolve() == Path(sys.prefix).resolve():
        return True
    return any(any(sp.glob("octoup-*.dist-info")) for sp in site_packages(prefix))


def _provider_only(scratch: Path) -> Path:
    """A folder that registers octoup's run-context provider in an env without octoup."""
    folder = scratch / "provider"
    dist = folder / "octoup_track_context-1.dist-info"
    dist.mkdir(parents=True)
    # the file, not the module: importing it would import MLflow here
    shutil.copyfile(Path(__file__).with_name("context.py"), folder / "octoup_track_context.py")
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: octoup-track-context\nVersion: 1\n")
    (dist / "entry_points.txt").write_text(
        "[mlflow.run_context_provider]\noctoup = octoup_track_context:OctoupRunContext\n")
    return folder


def _pump(source: IO[bytes], sinks: list[IO[bytes]], lock: threading.Lock) -> None:
    for chunk in iter(lambda: source.read1(65536), b""):
        with lock:
            for sink in sinks:
                sink.write(chunk)
                sink.flush()


def _script(writer: RunWriter, target: Path, args: list[str], prefix: Path, env: dict[str, str]) -> int:
    with tempfile.TemporaryDirectory(prefix="octoup-out-") as out:
        log_path = Path(out) / "output.log"
        err_path = Path(out) / "stderr.log"
        lock = threading.Lock()
        with log_path.open("wb") as log, err_path.open("wb") as err:
            process = subprocess.Popen([_python(prefix), str(target), *args], cwd=Path.cwd(), env=env,
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            pumps = [threading.Thread(target=_pump, args=(process.stdout, [sys.stdout.buffer, log], lock)),
                     threading.Thread(target=_pump,
                                      args=(process.stderr, [sys.stderr.buffer, log, err], lock))]
            for pump in pumps:
                pump.start()
            try:
                code = process.wait()
            except KeyboardInterrupt:
                process.wait()
                raise
            finally:
                for pump in pumps:
                    pump.join()
        writer.log_file(log_path, OUTPUT_ARTIFACT)
        if code != 0:
            stderr = err_path.read_text(encoding="utf-8", errors="replace")
            writer.log_text(_traceback(stderr, code), TRACEBACK_ARTIFACT)
    return code


def _traceback(stderr: str, code: int) -> str:
    start = stderr.rfind("Traceback (most recent call last):")
    text = stderr[start:] if start >= 0 else stderr[-20000:]
    return text if text.strip() else f"The script exited with code {code} and wrote nothing to stderr.\n"


def _notebook(writer: RunWriter, target: Path, nb, request: RunRequest, kernel: str | None,
              prefix: Path, env: dict[str, str], scratch: Path) -> int:
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    source = scratch / f"{target.stem}.ipynb"
    nbformat.write(nb, source)
    executed = scratch / "executed" / f"{target.stem}.ipynb"
    executed.parent.mkdir()
    if kernel is None:  # --env: a kernel spec that starts the project env's Python
        kernel = _env_kernel(prefix, scratch, env)
    saved = dict(os.environ)
    os.environ.update(env)  # the kernel is a child process: it inherits this environment
    code = 0
    try:
        papermill.execute_notebook(str(source), str(executed), parameters=request.params, kernel_name=kernel,
                                   cwd=str(target.parent), progress_bar=False, stdout_file=sys.stdout,
                                   stderr_file=sys.stderr)
    except PapermillExecutionError as exc:
        code = 1
        text = ANSI.sub("", "\n".join(exc.traceback)) if exc.traceback else f"{exc.ename}: {exc.evalue}"
        writer.log_text(f"cell {exc.exec_count}: {exc.ename}: {exc.evalue}\n\n{text}\n", TRACEBACK_ARTIFACT)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    if executed.is_file():
        writer.log_file(executed, f"octoup/{executed.name}")
    return code


def _env_kernel(prefix: Path, scratch: Path, env: dict[str, str]) -> str:
    import json

    spec = scratch / "kernels" / "kernels" / "octoup-env"
    spec.mkdir(parents=True)
    argv = [_python(prefix), "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(json.dumps({"argv": argv, "display_name": "octoup env",
                                                  "language": "python"}))
    env["JUPYTER_PATH"] = os.pathsep.join(filter(None, [str(scratch / "kernels"), env.get("JUPYTER_PATH")]))
    return "octoup-env"

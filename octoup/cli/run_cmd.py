"""``octoup run``: run a script or notebook as a tracked MLflow run under ``runs/``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

CONTEXT = {"allow_interspersed_args": False, "ignore_unknown_options": True}


def run(
    target: Annotated[Path, typer.Argument(help="A .py script or .ipynb notebook.")],
    args: Annotated[list[str] | None, typer.Argument(help="Arguments for the script.")] = None,
    experiment: Annotated[str | None, typer.Option("--experiment", "-e", help="Experiment (folder under "
                                                   "runs/; default: the project's name).")] = None,
    name: Annotated[str | None, typer.Option("--name", "-n", help="Run name.")] = None,
    param: Annotated[list[str] | None, typer.Option("--param", "-p", help="Notebook parameter key=value "
                                                    "(papermill); repeat.")] = None,
    kernel: Annotated[str | None, typer.Option("--kernel", "-k", help="Jupyter kernel for a notebook "
                                               "(default: the notebook's own).")] = None,
    as_notebook: Annotated[bool, typer.Option("--as-notebook", help="Run a script as a notebook (cells "
                                              "split at '# %%'); the executed notebook is kept.")] = False,
    env: Annotated[bool, typer.Option("--env", help="Run in the project env built by `octoup up` "
                                      "(default: the current env).")] = False,
) -> None:
    """Run a script or notebook with tracking; its own MLflow runs nest under this one.

    Options go before the file; everything after a script is passed to it. A notebook's
    -p/-k may also follow it: `octoup run train.ipynb -p alpha=0.5`.
    """
    from octoup.cli.output import say
    from octoup.project_root import project_folder
    from octoup.track.notebooks import parse_params
    from octoup.track.runner import RunRequest
    from octoup.track.runner import run as run_target

    args, param = list(args or []), list(param or [])
    if target.suffix == ".ipynb" or as_notebook:
        args, param, kernel = _notebook_options(args, param, kernel)
    request = RunRequest(target=target, args=args, experiment=experiment, run_name=name,
                         params=parse_params(param), kernel=kernel, as_notebook=as_notebook,
                         project_env=env)
    try:
        result = run_target(project_folder(), request, say=say)
    except KeyboardInterrupt:
        say("Interrupted: the run is marked KILLED.")
        raise typer.Exit(130) from None
    where = f"runs/{result.experiment}/{result.run_id}"
    if result.status == "FINISHED":
        say(f"Run {result.run_id[:8]} FINISHED: {where} (see `octoup runs show {result.run_id[:8]}`).")
    else:
        say(f"Run {result.run_id[:8]} FAILED with exit code {result.exit_code}: traceback in "
            f"{where}/artifacts/octoup/traceback.txt.")
    raise typer.Exit(result.exit_code)


def _notebook_options(args: list[str], params: list[str], kernel: str | None):
    """A notebook takes no arguments: ``-p``/``-k`` after its name are octoup's (as papermill's CLI)."""
    rest: list[str] = []
    words = iter(args)
    for word in words:
        if word in ("-p", "--param", "-k", "--kernel"):
            value = next(words, None)
            if value is None:
                rest.append(word)
            elif word in ("-p", "--param"):
                params.append(value)
            else:
                kernel = value
        else:
            rest.append(word)
    return rest, params, kernel

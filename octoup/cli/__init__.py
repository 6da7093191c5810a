"""The ``octoup`` command line. Commands stay thin: they check flags and call library code.

Importing this module is cheap: it imports typer and the command modules, which import
everything heavy (pydantic, cloud SDKs, rich tables) inside the command functions only.
"""

from __future__ import annotations

import logging
import os
import sys

import typer

from octoup import __version__
from octoup.cli import (
    clone_cmd,
    compute_cmd,
    config_cmd,
    container_cmd,
    create_cmd,
    data_cmd,
    demo_cmd,
    devcontainer_cmd,
    env_cmd,
    providers_cmd,
    run_cmd,
    runs_cmd,
    stack_cmd,
    status_cmd,
    up_cmd,
)
from octoup.cli.group import SectionedGroup

app = typer.Typer(
    name="octoup",
    cls=SectionedGroup,
    help="Make a data-science project reproducible on any machine and any cloud.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

_state = {"debug": bool(os.environ.get("OCTOUP_DEBUG"))}


def _version(value: bool) -> None:
    if value:
        print(f"octoup {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    debug: bool = typer.Option(False, "--debug", help="Show tracebacks and debug logs.",
                               envvar="OCTOUP_DEBUG"),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Print the version and exit."),
) -> None:
    _state["debug"] = debug
    _setup_logging(debug)


def _setup_logging(debug: bool) -> None:
    from octoup.secrets import RedactingFilter

    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RedactingFilter())
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    # octoup's own warnings always show; libraries' only when they are errors, or with --debug
    root.setLevel(logging.DEBUG if debug else logging.ERROR)
    logging.getLogger("octoup").setLevel(logging.DEBUG if debug else logging.WARNING)


app.add_typer(config_cmd.app, name="config")
app.command("providers")(providers_cmd.providers)
app.command("demo")(demo_cmd.demo)
app.command("create")(create_cmd.create)
app.command("up")(up_cmd.up)
app.command("clone")(clone_cmd.clone)
app.command("init")(clone_cmd.init)
app.add_typer(env_cmd.app, name="env")
app.add_typer(data_cmd.app, name="data")
app.command("run", context_settings=run_cmd.CONTEXT)(run_cmd.run)
app.add_typer(runs_cmd.app, name="runs")
app.add_typer(container_cmd.app, name="container")
app.command("devcontainer")(devcontainer_cmd.devcontainer)
app.add_typer(compute_cmd.app, name="compute")
app.add_typer(stack_cmd.app, name="stack")
app.command("status")(status_cmd.status)


def _report(exc) -> int:
    from octoup.secrets import redact

    sys.stderr.write(f"error: {redact(exc.message)}\n")
    if exc.hint:
        sys.stderr.write(f"hint: {redact(exc.hint)}\n")
    return exc.exit_code


def main(argv: list[str] | None = None) -> None:
    """Console entry point: maps octoup's exceptions to messages and exit codes in one place.

    Usage errors are typer's own (exit 2); OctoupError becomes ``error:``/``hint:`` lines.
    """
    from octoup.errors import OctoupError

    try:
        app(args=argv, prog_name="octoup")
    except OctoupError as exc:
        if _state["debug"]:
            import traceback

            traceback.print_exc()
        sys.exit(_report(exc))
    except KeyboardInterrupt:
        sys.stderr.write("Interrupted.\n")
        sys.exit(130)

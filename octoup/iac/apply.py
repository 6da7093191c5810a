"""``octoup stack up/destroy``: the exported project driven by the Pulumi Automation API, which
needs the Pulumi CLI (it runs the engine and downloads the provider plugins)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from octoup.errors import OctoupError
from octoup.iac.export import export
from octoup.iac.params import StackParams

INSTALL_HINT = ("Install the Pulumi CLI (https://www.pulumi.com/docs/iac/download-install/, e.g. "
                "`curl -fsSL https://get.pulumi.com | sh`) and log in (`pulumi login`, or "
                "`pulumi login --local`); or preview offline with `octoup stack preview`, or run "
                "`octoup stack export DIR` and use the Pulumi CLI there.")


def require_cli() -> str:
    found = shutil.which("pulumi")
    if not found:
        raise OctoupError("`octoup stack up/destroy` need the Pulumi CLI, which is not installed",
                          INSTALL_HINT)
    return found


def apply(params: StackParams, work_dir: Path, *, destroy: bool = False,
          report: Callable[[str], None] = print) -> dict:
    """Export to ``work_dir`` and run ``up`` (or ``destroy``) on the stack; return its outputs."""
    require_cli()
    from pulumi import automation

    export(params, work_dir, force=True)
    stack = automation.create_or_select_stack(stack_name=params.name, work_dir=str(work_dir))
    if destroy:
        stack.destroy(on_output=report)
        return {}
    result = stack.up(on_output=report)
    return {key: value.value for key, value in result.outputs.items()}

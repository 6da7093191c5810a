"""Run a stack's real Pulumi program under Pulumi's mock runtime and record every resource it
declares (type, logical name, inputs): the desired state, with no Pulumi CLI, engine or cloud."""

from __future__ import annotations

import os
import runpy
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from octoup.errors import OctoupError
from octoup.iac.params import CLOUDS, PACKAGES, StackParams, program_dir

# outputs whose shape differs from the input of the same name: a mock cannot echo them back
NOT_ECHOED = {"azure-native:compute:VirtualMachine": {"identity"}}


@dataclass(frozen=True)
class Desired:
    type: str
    name: str
    inputs: dict = field(default_factory=dict)


def _import_sdk(cloud: str) -> None:
    import importlib

    for module, package in (("pulumi", "pulumi"), (CLOUDS[cloud], PACKAGES[cloud])):
        try:
            importlib.import_module(module)
        except ImportError:
            raise OctoupError(
                f"stack preview for {cloud} needs the Python package '{package}', which is not installed",
                f"pip install {package}   (or all clouds at once: pip install 'octoup[stack]')") from None


COMPUTED = "<computed>"
"""Shown for an input only known after a real deployment (as Pulumi's ``output<string>``)."""


def _plain(value):
    """Inputs as JSON-able data; values unknown until deployment become :data:`COMPUTED`."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return COMPUTED


def desired(params: StackParams, folder: Path | None = None) -> list[Desired]:
    """The resources ``params.cloud``'s program (or the one in ``folder``) declares."""
    _import_sdk(params.cloud)
    import pulumi
    from pulumi.runtime.stack import run_pulumi_func
    from pulumi.runtime.sync_await import _sync_await

    recorded: list[Desired] = []

    class Recorder(pulumi.runtime.Mocks):
        def new_resource(self, args):
            recorded.append(Desired(args.typ, args.name, _plain(args.inputs)))
            # the mock's state: inputs plus the identifiers programs read back
            echoed = {k: v for k, v in args.inputs.items() if k not in NOT_ECHOED.get(args.typ, ())}
            state = {**echoed, "arn": f"arn:octoup:mock:{args.name}",
                     "email": f"{args.name}@mock.invalid", "principalId": f"{args.name}-principal",
                     "selfLink": f"mock://{args.name}"}
            return [f"{args.name}-id", state]

        def call(self, args):
            return {**args.args, "id": f"{args.token.split(':')[-1]}-mock"}

    program = (folder or program_dir(params.cloud)) / "__main__.py"
    pulumi.runtime.set_mocks(Recorder(), project=params.name, stack="preview", preview=True)
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        handle.write(params.to_json())
    previous = os.environ.get("OCTOUP_STACK_PARAMS")
    os.environ["OCTOUP_STACK_PARAMS"] = handle.name
    try:
        _sync_await(run_pulumi_func(lambda: runpy.run_path(str(program), run_name="__main__")))
    except OctoupError:
        raise
    except Exception as exc:
        raise OctoupError(f"the {params.cloud} stack program failed under mocks: {type(exc).__name__}: {exc}",
                          f"Check {program}.") from None
    finally:
        os.unlink(handle.name)
        if previous is None:
            os.environ.pop("OCTOUP_STACK_PARAMS", None)
        else:
            os.environ["OCTOUP_STACK_PARAMS"] = previous
    return recorded

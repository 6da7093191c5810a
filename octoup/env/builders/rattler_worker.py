"""Solve and install conda packages with py-rattler in a child process.

py-rattler's runtime threads can crash the interpreter while it shuts down ("Fatal Python error:
PyGILState_Release ... finalizing"; seen in 0.22–0.28, about one exit in ten on a busy machine).
So the rattler work runs here: the request comes as JSON on stdin, the outcome goes out as JSON on
stdout, and the process ends with ``os._exit`` so that finalization, where the race is, never runs.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys


def run(request: dict) -> dict:
    import rattler
    from rattler.exceptions import FetchRepoDataError, GatewayError, SolverError

    try:
        records = asyncio.run(rattler.solve(sources=request["channels"], specs=request["specs"],
                                            virtual_packages=rattler.VirtualPackage.detect()))
    except (FetchRepoDataError, GatewayError) as exc:
        return {"outcome": "unreachable", "message": str(exc)}
    except SolverError as exc:
        return {"outcome": "unsolvable", "message": str(exc)}
    asyncio.run(rattler.install(records, target_prefix=request["prefix"],
                                alternative_target_prefix=request["final"], show_progress=False))
    return {"outcome": "installed", "packages": len(records)}


def main() -> None:
    try:
        result = run(json.load(sys.stdin))
    except Exception as exc:  # reported to the parent, which raises it as a build failure
        result = {"outcome": "failed", "message": f"{type(exc).__name__}: {exc}"}
    sys.stdout.write(json.dumps(result))
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()

"""``octoup stack export DIR``: a standalone Pulumi project (program, Pulumi.yaml, requirements,
parameters) that the Pulumi CLI runs without octoup."""

from __future__ import annotations

import shutil
from pathlib import Path

from octoup.errors import OctoupError
from octoup.iac.params import PACKAGES, StackParams, program_dir


def export(params: StackParams, target: Path, *, force: bool = False) -> list[Path]:
    from octoup.textfiles import write_atomic

    if target.exists() and any(target.iterdir()) and not force:
        raise OctoupError(f"{target} is not empty", "Choose an empty folder, or pass --force to overwrite.")
    target.mkdir(parents=True, exist_ok=True)
    files = {
        "Pulumi.yaml": (f"name: {params.name}\n"
                        f"description: octoup {params.cloud} stack for {params.project}\n"
                        "runtime:\n  name: python\n  options:\n    toolchain: pip\n    virtualenv: venv\n"),
        "requirements.txt": f"pulumi>=3.150\n{PACKAGES[params.cloud]}\n",
        "octoup-stack.json": params.to_json(),
    }
    written = []
    for name, text in files.items():
        write_atomic(target / name, text)
        written.append(target / name)
    shutil.copyfile(program_dir(params.cloud) / "__main__.py", target / "__main__.py")
    written.append(target / "__main__.py")
    return written

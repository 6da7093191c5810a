"""Notebooks for ``octoup run``: parameters from ``-p key=value``, kernel checks, and the
script <-> notebook conversion (``# %%`` cell markers, the "percent" format Jupytext, VS Code and
Spyder share)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from octoup.errors import OctoupError

CELL = re.compile(r"^# %%(?P<rest>.*)$", re.M)


def parse_params(pairs: list[str]) -> dict[str, Any]:
    """``key=value`` pairs; values are read as YAML scalars (``3`` int, ``0.5`` float, ``true``)."""
    import yaml

    params: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.isidentifier():
            raise OctoupError(f"-p {pair!r} is not key=value with a Python name as key",
                              "e.g. -p n_estimators=100 -p max_depth=8")
        try:
            parsed = yaml.safe_load(value) if value else ""
        except yaml.YAMLError:
            parsed = value
        params[key] = parsed if isinstance(parsed, (int, float, bool, str)) or parsed is None else value
    return params


def script_to_notebook(text: str):
    """A notebook with one code cell per ``# %%`` block (markdown for ``# %% [markdown]``)."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    starts = list(CELL.finditer(text))
    blocks = [("", text)] if not starts else \
        ([("", text[:starts[0].start()])] if text[:starts[0].start()].strip() else []) + [
            (m.group("rest"), text[m.end():starts[i + 1].start() if i + 1 < len(starts) else len(text)])
            for i, m in enumerate(starts)]
    for header, body in blocks:
        body = body.strip("\n")
        if "[markdown]" in header:
            source = "\n".join(line[2:] if line.startswith("# ") else line.lstrip("#")
                               for line in body.splitlines())
            nb.cells.append(nbformat.v4.new_markdown_cell(source))
        else:
            cell = nbformat.v4.new_code_cell(body)
            if "parameters" in header:
                cell.metadata["tags"] = ["parameters"]
            nb.cells.append(cell)
    return nb


def notebook_to_script(nb) -> str:
    """The notebook's cells as a percent-format script (the inverse of :func:`script_to_notebook`)."""
    parts = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            lines = "\n".join(f"# {line}" if line else "#" for line in cell.source.splitlines())
            parts.append(f"# %% [markdown]\n{lines}")
        elif cell.cell_type == "code":
            tag = " tags=[\"parameters\"]" if "parameters" in cell.metadata.get("tags", []) else ""
            parts.append(f"# %%{tag}\n{cell.source}")
    return "\n\n".join(parts) + "\n"


def read(path: Path):
    import nbformat

    try:
        return nbformat.read(path, as_version=4)
    except Exception as exc:  # nbformat raises JSON and validation errors of several kinds
        raise OctoupError(f"{path}: not a readable notebook ({exc})",
                          "Open and save it in Jupyter, or restore it from git.") from None


def check_kernel(path: Path, nb, wanted: str | None) -> str:
    """The kernel the notebook runs with; a clear error when it is not installed."""
    from jupyter_client.kernelspec import KernelSpecManager

    name = wanted or nb.metadata.get("kernelspec", {}).get("name") or "python3"
    known = sorted(KernelSpecManager().find_kernel_specs())
    if name not in known:
        raise OctoupError(
            f"{path}: the notebook asks for kernel '{name}', which is not installed here "
            f"(installed: {', '.join(known) or 'none'})",
            f"Run it with `-k {known[0] if known else 'python3'}`, or install the kernel "
            f"(`python -m ipykernel install --user --name {name}`).")
    return name

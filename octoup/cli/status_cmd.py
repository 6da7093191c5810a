"""``octoup status``: say what changed since the last commit and should be committed."""

from __future__ import annotations

from typing import Annotated

import typer


def status(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Environment files, runs and dataset manifests changed since the last commit."""
    from octoup.cli.output import emit_json
    from octoup.project_root import project_folder
    from octoup.track.changes import changes

    found = changes(project_folder())
    if as_json:
        emit_json(found)
        return
    for folder, rule in found.ignored.items():
        print(f"{folder} is ignored by git ({rule}): what octoup writes there stays out of commits.")
    if not found.paths:
        print("Nothing to commit: environment files, runs/ and data manifests match the last commit.")
        return
    env = found.env
    if env.files:
        plural = "s" if len(env.files) != 1 else ""
        print(f"Found {len(env.files)} environment file{plural} modified since the last commit:")
        for path, kind in env.files:
            print(f"    - {path} ({kind})")
    runs = found.runs
    if runs.files:
        new = sum(found.runs_by_experiment.values())
        where = ", ".join(f"{exp}: {n}" for exp, n in sorted(found.runs_by_experiment.items()))
        print(f"Found {len(runs.files)} changed files in runs/: {new} new run{'s' if new != 1 else ''}"
              + (f" ({where})" if where else "")
              + (f", {runs.insertions} insertions, {runs.deletions} deletions in tracked files"
                 if runs.insertions or runs.deletions else ""))
    data = found.data
    if data.files:
        print(f"Found {len(data.files)} dataset manifest change{'s' if len(data.files) != 1 else ''}:")
        for path, kind in data.files:
            print(f"    - {path} ({kind})")
    targets = sorted({p.split("/")[0] if p.startswith("runs/") else
                      "data/.octoup" if p.startswith("data/.octoup/") else p for p in found.paths})
    print(f"Commit them: git add {' '.join(targets)} && git commit -m \"Record runs and environment\"")

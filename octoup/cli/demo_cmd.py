"""``octoup demo``: the no-account tour on the embedded local provider."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def demo(
    folder: Annotated[Path, typer.Argument(help="Project folder for the tour.")] = Path("octoup-demo"),
    cloud: Annotated[str | None, typer.Option("--cloud", help="Provider to use "
                                              "(default: the project's, i.e. local).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON summary.")] = False,
) -> None:
    """Create a demo project, copy a small dataset into a bucket, list it and pull it back."""
    from octoup import demo as tour
    from octoup.cli.output import emit_json, say, table
    from octoup.cli.progress import byte_progress

    with byte_progress("copy penguins") as progress:
        result = tour.run(folder, cloud=cloud, announce=say, progress=progress)
    if as_json:
        emit_json(result)
        return
    table(f"{result.bucket_uri}", ["key", "size", "md5"],
          [[o.key, f"{o.size:,}", o.checksums.get("md5", o.etag)] for o in result.objects])
    say(f"Done. Project: {result.project_root}. Try `octoup providers` and `octoup config show` there.")

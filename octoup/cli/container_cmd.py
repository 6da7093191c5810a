"""``octoup container build``: an image from the detected env, built with the docker SDK."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="Build container images from the project's environment.",
                  no_args_is_help=True, rich_markup_mode=None)

FolderArg = Annotated[Path, typer.Argument(help="Project folder (default: the current one).")]
TagOpt = Annotated[str | None, typer.Option(
    "--tag", "-t", help="Image tag (default: octoup/<project>:latest).")]
BaseOpt = Annotated[str | None, typer.Option(
    "--base", help="Base image (default: python:3.X-slim-bookworm, or micromamba for conda envs).")]
OfflineOpt = Annotated[bool, typer.Option(
    "--offline", help="Install from a wheelhouse downloaded on this machine; the build needs no index.")]
FileOpt = Annotated[Path | None, typer.Option("--file", "-f", help="Use this env file.")]


def plan_for(folder: Path, tag: str | None, base: str | None, offline: bool, file: Path | None):
    from octoup.container.plan import plan
    from octoup.project_root import project_folder

    return plan(project_folder(folder), tag=tag, base=base, offline=offline, file=file)


@app.command()
def build(
    folder: FolderArg = Path("."),
    tag: TagOpt = None,
    base: BaseOpt = None,
    offline: OfflineOpt = False,
    file: FileOpt = None,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Print the Dockerfile and context; build nothing.")] = False,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Rebuild every layer.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON summary.")] = False,
) -> None:
    """Render a Dockerfile for the detected env and build it (dependencies in their own layer)."""
    from octoup.cli.output import emit_json, say
    from octoup.container.build import build as run_build
    from octoup.container.build import human_size

    image = plan_for(folder, tag, base, offline, file)
    if dry_run:
        from octoup.container.context import summarise

        summary = summarise(image)
        if as_json:
            emit_json({"tag": image.tag, "base": image.base, "source": image.source,
                       "dockerfile": image.dockerfile(), "env_file": image.env_text,
                       "context": summary, "notes": image.notes})
            return
        print(image.dockerfile(), end="")
        print(f"# {image.env_file} (generated from {image.source}):")
        print("".join(f"#   {line}\n" for line in image.env_text.splitlines()), end="")
        print(f"# context: {summary.files} project files, {human_size(summary.bytes)} "
              f"(ignore rules: {summary.ignore_source})")
        for entry in summary.excluded:
            print(f"#   left out: {entry}")
        for note in image.notes:
            print(f"# note: {note}")
        if offline:
            print("# --offline: the wheelhouse is downloaded with pip at build time")
        print(f"# would build {image.tag}; nothing was built (--dry-run)")
        return
    for note in image.notes:
        say(f"note: {note}")
    say(f"building {image.tag} from {image.source} on {image.base}")
    result = run_build(image, report=say, nocache=no_cache)
    if as_json:
        emit_json(result)
        return
    say(f"built {result.tag} ({result.image_id[:19]}) in {result.seconds:.1f} s; "
        f"{result.cached_steps} of {result.steps} steps from cache")

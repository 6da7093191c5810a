"""``octoup up``: detect the env, and rebuild it atomically unless it is already current."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from octoup import __version__
from octoup.env import settings as env_settings
from octoup.env.builders.base import Builder, BuildRequest, Report
from octoup.env.detect import Detection, detect
from octoup.env.installed import is_env, python_path
from octoup.env.state import EnvState, base_interpreter_ok, env_hash, read_state, write_state
from octoup.env.swap import in_place, staged
from octoup.errors import OctoupError

FORMATS_HINT = (
    "Add one of: requirements.txt, environment.yml, Pipfile(.lock), pyproject.toml "
    "or setup.py — or `octoup env capture` to write the current env down."
)


@dataclass
class UpOptions:
    file: Path | None = None
    via: str | None = None
    dev: bool | None = None
    force: bool = False
    path: Path | None = None


@dataclass
class UpResult:
    status: str  # "current" or "built"
    path: Path
    builder: str
    source: str
    python: str | None
    hash: str
    seconds: float
    packages: int | None = None
    warnings: list[str] = field(default_factory=list)


def up(
    root: Path,
    options: UpOptions | None = None,
    *,
    report: Report = print,
) -> UpResult:
    started = time.perf_counter()
    options = options or UpOptions()
    settings = env_settings.load(root)
    file = options.file or (Path(settings.file) if settings.file else None)
    detection = detect(root, file=file)
    spec = detection.spec
    if spec is None:
        raise OctoupError(f"no environment files found in {root}", FORMATS_HINT)
    dev = settings.dev if options.dev is None else options.dev
    python = settings.python_for(detection)
    builder = choose_builder(detection, options.via or settings.via)
    final = settings.prefix(root, options.path)
    digest = env_hash(spec, root=root, builder=builder.name, python=python, dev=dev)
    state = read_state(final)
    source = detection.winner or ""
    if (
        not options.force
        and state
        and state.hash == digest
        and python_path(final).exists()
        and base_interpreter_ok(final)
    ):
        return UpResult(
            "current", final, state.builder, source, python, digest, time.perf_counter() - started
        )
    if spec.python is None and detection.python is not None:
        spec.python = detection.python
    request = BuildRequest(spec=spec, root=root, final=final, python=python, dev=dev, report=report)
    report(
        f"building {final.name} from {source} with {builder.name}" + (f" (python {python})" if python else "")
    )
    builder = _build(builder, request)
    seconds = time.perf_counter() - started
    write_state(
        final,
        EnvState(
            hash=digest,
            kind=spec.kind,
            source=source,
            builder=builder.name,
            python=python,
            dev=dev,
            built_at=datetime.now(UTC).isoformat(timespec="seconds"),
            seconds=round(seconds, 3),
            octoup=__version__,
        ),
    )
    from octoup.env.installed import count

    return UpResult(
        "built",
        final,
        builder.name,
        source,
        python,
        digest,
        seconds,
        packages=count(final),
        warnings=request.warnings,
    )


def _build(builder: Builder, request: BuildRequest) -> Builder:
    from octoup.env.builders.rattler import ChannelUnreachable

    try:
        _place(builder, request)
        return builder
    except ChannelUnreachable as exc:
        from octoup.env.builders.uv import UvBuilder

        request.warn(f"{exc.message}; building with uv from PyPI instead")
        fallback = UvBuilder()
        _place(fallback, request)
        return fallback


def _place(builder: Builder, request: BuildRequest) -> None:
    with (staged if builder.relocatable else in_place)(request.final) as prefix:
        builder.build(request, prefix)
        if not is_env(prefix):
            raise OctoupError(f"{builder.name} finished but made no environment at {prefix}")


def choose_builder(detection: Detection, via: str) -> Builder:
    """The builder for the detected spec: uv for pip-style specs; conda tools for environment.yml."""
    from octoup.env.builders.uv import UvBuilder

    spec = detection.spec
    kind = spec.kind if spec else None
    if via == "pipenv":
        if kind not in ("pipfile", "pipfile-lock"):
            raise OctoupError(
                f"--with pipenv needs a Pipfile, but the env comes from {detection.winner}",
                "Drop --with pipenv, or pick the Pipfile with --file Pipfile.",
            )
        from octoup.env.builders.pipenv import PipenvBuilder

        return PipenvBuilder()
    if kind != "conda" or via == "uv":
        if via in ("conda", "rattler"):
            raise OctoupError(
                f"--via {via} needs an environment.yml, but the env comes from {detection.winner}"
            )
        return UvBuilder()
    from octoup.env.builders.conda_cli import CondaCliBuilder, find_tool

    if via in ("auto", "conda") and find_tool():
        return CondaCliBuilder()
    if via == "conda":
        raise OctoupError(
            "--via conda: none of micromamba, mamba or conda is on PATH",
            "Install one, or use --via rattler (pip install 'octoup[conda]') or --via uv.",
        )
    import importlib.util

    if importlib.util.find_spec("rattler") is not None:
        from octoup.env.builders.rattler import RattlerBuilder

        return RattlerBuilder()
    if via == "rattler":
        from octoup.errors import MissingDependency

        raise MissingDependency("py-rattler", "conda")
    return _UvForConda()


class _UvForConda(Builder):
    """uv standing in for conda when neither a conda tool nor py-rattler is installed."""

    name = "uv"

    def build(self, request: BuildRequest, prefix: Path) -> None:
        from octoup.env.builders.uv import UvBuilder

        request.warn(
            "no conda, mamba, micromamba or py-rattler here; installing the environment.yml "
            "packages from PyPI with uv (pip install 'octoup[conda]' for real conda packages)"
        )
        UvBuilder().build(request, prefix)

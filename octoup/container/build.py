"""Build and run images through the docker SDK against the real daemon."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from octoup.container.context import ContextSummary, build_context
from octoup.container.plan import WORKDIR, ImagePlan
from octoup.errors import MissingDependency, OctoupError

LOG_TAIL = 15


@dataclass
class BuildResult:
    tag: str
    image_id: str
    seconds: float
    steps: int
    cached_steps: int
    context: ContextSummary
    log: list[str] = field(default_factory=list, repr=False)


def client():
    """A docker client for DOCKER_HOST (or the default socket); a clear error when none answers."""
    try:
        import docker
    except ImportError:
        raise MissingDependency("docker", "container") from None
    host = os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"
    try:
        docker_client = docker.DockerClient(base_url=host, timeout=900)
        docker_client.ping()
    except Exception as exc:
        raise OctoupError(
            f"no docker daemon answers at {host} ({type(exc).__name__})",
            "Start Docker (or dockerd), or point DOCKER_HOST at a running daemon.") from None
    return docker_client


def build(plan: ImagePlan, *, report: Callable[[str], None] = lambda line: None,
          nocache: bool = False) -> BuildResult:
    """Render, pack and build ``plan``; stream the build log to ``report`` line by line."""
    dockerfile = plan.dockerfile()
    docker_client = client()
    started = time.perf_counter()
    wheelhouse = None
    if plan.offline:
        from octoup.container.wheelhouse import cached

        wheelhouse = cached(plan, report)
    context, summary = build_context(plan, dockerfile, wheelhouse=wheelhouse)
    with context:
        report(f"context: {summary.files} project files, {human_size(summary.bytes)}"
               + (f", {summary.wheels} wheels" if summary.wheels else ""))
        image_id, log, steps, cached_steps = _run_build(docker_client, plan, context, report, nocache)
    return BuildResult(plan.tag, image_id, time.perf_counter() - started, steps, cached_steps, summary,
                       log)


def _run_build(docker_client, plan: ImagePlan, context, report, nocache: bool):
    log: list[str] = []
    step = ""
    steps = cached = 0
    image_id = None
    stream = docker_client.api.build(
        fileobj=context, custom_context=True, tag=plan.tag, rm=True, forcerm=True, decode=True,
        nocache=nocache,
        network_mode="none" if plan.offline else None)
    for chunk in stream:
        if "error" in chunk:
            detail = chunk.get("errorDetail", {}).get("message") or chunk["error"]
            tail = "\n".join(f"  | {line}" for line in log[-LOG_TAIL:])
            raise OctoupError(
                f"image build failed at {step or 'the start'}:\n{tail}\n  {detail.strip()}",
                "Fix the env file named in the Dockerfile comment (octoup container build "
                "--dry-run prints it), then build again.")
        text = chunk.get("stream", "")
        if "aux" in chunk and "ID" in chunk["aux"]:
            image_id = chunk["aux"]["ID"]
        for line in text.splitlines():
            if not line.strip():
                continue
            log.append(line)
            if line.startswith("Step "):
                step = line
                steps += 1
            elif "Using cache" in line:
                cached += 1
            report(line)
    if image_id is None:
        image_id = docker_client.images.get(plan.tag).id
    return image_id, log, steps, cached


def run(plan: ImagePlan, command: list[str], *, network: str | None = None,
        report: Callable[[str], None] = lambda line: None) -> int:
    """Run ``command`` in the built image with the project mounted at the image's workdir;
    stream its output and return its exit code."""
    docker_client = client()
    container = docker_client.containers.run(
        plan.tag, command, detach=True, working_dir=WORKDIR, network_mode=network,
        volumes={str(plan.root): {"bind": WORKDIR, "mode": "rw"}})
    try:
        for piece in container.logs(stream=True, follow=True):
            for line in piece.decode(errors="replace").splitlines():
                report(line)
        return int(container.wait().get("StatusCode", 1))
    finally:
        container.remove(force=True)


def shell_argv(plan: ImagePlan, command: list[str], network: str | None = None) -> list[str]:
    """The docker CLI call for an interactive session (the SDK has no terminal to attach)."""
    argv = ["docker", "run", "--rm", "-it", "-v", f"{plan.root}:{WORKDIR}", "-w", WORKDIR]
    if network:
        argv += ["--network", network]
    return [*argv, plan.tag, *command]


def human_size(count: float) -> str:
    """A byte count for people: 532 B, 14.2 MB."""
    for unit in ("B", "KB", "MB", "GB"):
        if count < 1000 or unit == "GB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1000
    return f"{count} B"

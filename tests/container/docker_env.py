"""A real dockerd for the container tests, and a local base image (no registry is reachable).

The base image is a Debian bookworm rootfs made with debootstrap (python3 + venv), imported with
``docker import``. The rootfs tarball is cached under ~/.cache/octoup-test so later runs skip the
~1 min debootstrap; a fresh machine builds it on first use. When a daemon already answers (the
environment's DOCKER_HOST or /var/run/docker.sock) it is used; otherwise one is started with the
vfs storage driver, no iptables and no bridge, on its own socket, and stopped by its PID.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import subprocess
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.services import CACHE

BASE_IMAGE = "octoup-test/python:bookworm"
ROOTFS = CACHE / "bookworm-python-rootfs.tar"
PACKAGES = "python3,python3-venv,python3-pip,ca-certificates"


def debian_mirror() -> str:
    """The Debian mirror apt uses on this machine (deb822 or one-line sources)."""
    for path in [Path("/etc/apt/sources.list"), *sorted(Path("/etc/apt/sources.list.d").glob("*"))]:
        if not path.is_file():
            continue
        text = path.read_text(errors="replace")
        match = re.search(r"^URIs:\s*(\S+/debian)\s*$", text, re.M) or re.search(
            r"^deb\s+(?:\[[^]]*\]\s+)?(\S+/debian)\s+bookworm\b", text, re.M)
        if match:
            return match.group(1)
    return "http://deb.debian.org/debian"


@contextmanager
def _locked(path: Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_rootfs() -> Path:
    """The cached rootfs tarball, made with debootstrap when missing (one maker at a time)."""
    with _locked(ROOTFS.with_suffix(".lock")):
        if ROOTFS.is_file():
            return ROOTFS
        if not shutil.which("debootstrap"):
            raise RuntimeError("debootstrap is not installed (apt-get install -y debootstrap)")
        with tempfile.TemporaryDirectory(dir=CACHE) as tmp:
            root = Path(tmp) / "root"
            subprocess.run(["debootstrap", "--variant=minbase", f"--include={PACKAGES}", "bookworm",
                            str(root), debian_mirror()], check=True, capture_output=True)
            for junk in ("var/cache/apt/archives", "var/lib/apt/lists", "usr/share/doc",
                         "usr/share/man", "usr/share/locale"):
                shutil.rmtree(root / junk, ignore_errors=True)
            partial = ROOTFS.with_suffix(".partial")
            subprocess.run(["tar", "-C", str(root), "--numeric-owner", "-cf", str(partial), "."],
                           check=True)
            partial.rename(ROOTFS)
    return ROOTFS


@dataclass
class Daemon:
    host: str
    proc: subprocess.Popen | None = None
    root: Path | None = None

    def stop(self) -> None:
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if self.root is not None:
            # vfs layers are plain directories; dockerd is gone, so nothing holds them
            subprocess.run(["rm", "-rf", str(self.root)], check=False)


def _answers(host: str) -> bool:
    import docker

    try:
        client = docker.DockerClient(base_url=host, timeout=5)
        client.ping()
        client.close()
        return True
    except Exception:
        return False


def start_daemon(workdir: Path) -> Daemon:
    """A dockerd to use: the environment's when one answers, else a private one."""
    for host in filter(None, [os.environ.get("DOCKER_HOST"), "unix:///var/run/docker.sock"]):
        if _answers(host):
            return Daemon(host)
    if not shutil.which("dockerd"):
        raise RuntimeError("dockerd is not installed (apt-get install -y docker.io)")
    # short paths: unix socket paths are limited to 108 bytes
    root = Path(tempfile.mkdtemp(prefix="octoup-dockerd-", dir="/tmp"))
    sock = root / "docker.sock"
    log = (workdir / "dockerd.log").open("wb")
    proc = subprocess.Popen(
        ["dockerd", "--host", f"unix://{sock}", "--storage-driver=vfs", "--iptables=false",
         "--ip-masq=false", "--bridge=none", "--data-root", str(root / "data"),
         "--exec-root", str(root / "exec"), "--pidfile", str(root / "dockerd.pid")],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    daemon = Daemon(f"unix://{sock}", proc, root)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"dockerd exited with {proc.returncode}; see {workdir / 'dockerd.log'}")
        if sock.exists() and _answers(daemon.host):
            return daemon
        time.sleep(0.2)
    daemon.stop()
    raise RuntimeError("dockerd did not answer within 60 s")


def ensure_base_image(host: str) -> str:
    """Import the cached rootfs as :data:`BASE_IMAGE` unless the daemon has it already."""
    import docker

    client = docker.DockerClient(base_url=host, timeout=600)
    try:
        try:
            client.images.get(BASE_IMAGE)
            return BASE_IMAGE
        except docker.errors.ImageNotFound:
            pass
        rootfs = ensure_rootfs()
        repository, tag = BASE_IMAGE.split(":")
        with rootfs.open("rb") as data:
            client.api.import_image_from_data(data, repository=repository, tag=tag,
                                              changes=["CMD [\"/bin/bash\"]"])
        client.images.get(BASE_IMAGE)
        return BASE_IMAGE
    finally:
        client.close()

"""Real services for the tests, started on 127.0.0.1 with free ports and stopped by PID.

Each xdist worker starts its own copy (session scope). Nothing here talks to the internet:
Azurite comes from the npm cache that ``scripts/test`` fills (or is installed on first use).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

AZURITE_VERSION = "3.37.0"
CACHE = Path(os.environ.get("OCTOUP_TEST_CACHE", Path.home() / ".cache" / "octoup-test"))
AZURITE_ACCOUNT = "devstoreaccount1"
AZURITE_KEY = ("Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/"
               "K1SZFPTOtr/KBHBeksoGMGw==")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, proc: subprocess.Popen, name: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{name} exited with {proc.returncode}; see its log")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{name} did not listen on 127.0.0.1:{port} within {timeout} s")


@dataclass
class Service:
    name: str
    port: int
    proc: subprocess.Popen

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def start(name: str, argv: list[str], port: int, log_dir: Path, env: dict | None = None) -> Service:
    log = (log_dir / f"{name}.log").open("wb")
    proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT,
                            env={**os.environ, **(env or {})}, start_new_session=True)
    try:
        wait_for_port(port, proc, name)
    except Exception:
        proc.kill()
        raise
    return Service(name, port, proc)


def _bin(name: str) -> str:
    found = Path(sys.executable).parent / name
    return str(found) if found.exists() else (shutil.which(name) or name)


@pytest.fixture(scope="session")
def service_logs(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("service-logs")


@pytest.fixture(scope="session")
def moto_server(service_logs) -> Iterator[Service]:
    port = free_port()
    service = start("moto", [_bin("moto_server"), "-H", "127.0.0.1", "-p", str(port)], port,
                    service_logs)
    yield service
    service.stop()


@pytest.fixture(scope="session")
def gcs_emulator(service_logs) -> Iterator[Service]:
    port = free_port()
    service = start("gcs", [_bin("gcp-storage-emulator"), "start", "--host", "127.0.0.1",
                            "--port", str(port), "--in-memory"], port, service_logs)
    yield service
    service.stop()


def azurite_bin() -> Path:
    """azurite-blob from the test cache; installed from npm on first use."""
    folder = CACHE / f"azurite-{AZURITE_VERSION}"
    binary = folder / "node_modules" / ".bin" / "azurite-blob"
    if not binary.exists():
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--prefix", str(folder),
                        f"azurite@{AZURITE_VERSION}"], check=True, stdout=subprocess.DEVNULL)
    return binary


def start_azurite(port: int, data: Path, log_dir: Path, name: str = "azurite") -> Service:
    """Azurite's blob service on ``port``, keeping its blobs in ``data`` (they survive a restart)."""
    return start(name, [str(azurite_bin()), "--blobHost", "127.0.0.1", "--blobPort", str(port),
                        "--location", str(data), "--skipApiVersionCheck", "--disableTelemetry",
                        "--silent"], port, log_dir)


@pytest.fixture(scope="session")
def azurite(service_logs, tmp_path_factory) -> Iterator[Service]:
    service = start_azurite(free_port(), tmp_path_factory.mktemp("azurite"), service_logs)
    yield service
    service.stop()


def azurite_connection_string(service: Service) -> str:
    return (f"DefaultEndpointsProtocol=http;AccountName={AZURITE_ACCOUNT};"
            f"AccountKey={AZURITE_KEY};BlobEndpoint={service.url}/{AZURITE_ACCOUNT};")

"""Stack tests reuse the compute tests' moto EC2 server (S3 is served by the same moto) and run
the CLI with bytecode caching on: the Pulumi SDKs are large and compiling them on every
subprocess would dominate the run."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.compute.conftest import aws_env, aws_project, ec2_server  # noqa: F401


@pytest.fixture
def octoup(isolated):
    def call(*args: str, env: dict | None = None, cwd=None) -> subprocess.CompletedProcess:
        environ = {**os.environ, **(env or {})}
        environ.pop("PYTHONDONTWRITEBYTECODE", None)
        return subprocess.run([sys.executable, "-m", "octoup", *args], cwd=cwd or isolated, text=True,
                              capture_output=True, env=environ, timeout=300)

    return call

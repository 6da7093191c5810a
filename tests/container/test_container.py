"""octoup container build / up --container / devcontainer against a real dockerd.

Images are built from a local debootstrap base image with --offline: the wheelhouse is
downloaded by pip on the host from a local find-links folder of real wheels, so nothing
leaves 127.0.0.1 and no registry is needed.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.container.conftest import sha256_of
from tests.container.docker_env import BASE_IMAGE

BASE = ("--base", BASE_IMAGE)


def requirements_project(root: Path) -> Path:
    (root / "requirements.txt").write_text("octotiny==1.0\noctoextra>=2\n")
    (root / "train.py").write_text(
        "import octotiny, octoextra\nprint('answer', octotiny.ANSWER, octoextra.hello())\n")
    (root / "data").mkdir()
    (root / "data" / "big.csv").write_text("a,b\n1,2\n")
    (root / "runs").mkdir()
    (root / "runs" / "r1.json").write_text("{}")
    return root


def pipfile_lock_project(root: Path, wheel_index: Path) -> Path:
    wheel = wheel_index / "octotiny-1.0-py3-none-any.whl"
    lock = {"_meta": {"requires": {"python_version": "3.11"}, "sources": []},
            "default": {"octotiny": {"version": "==1.0", "hashes": [f"sha256:{sha256_of(wheel)}"]}},
            "develop": {}}
    (root / "Pipfile.lock").write_text(json.dumps(lock))
    (root / "app.py").write_text("import octotiny\nprint('locked', octotiny.ANSWER)\n")
    return root


def image_run(host: str, tag: str, command: list[str]) -> str:
    """Run in the image itself (no mount), so the image's own code and packages are checked."""
    import docker

    client = docker.DockerClient(base_url=host)
    try:
        return client.containers.run(tag, command, remove=True, network_mode="none").decode()
    finally:
        client.close()


def test_dry_run_prints_dockerfile_and_context_without_a_daemon(octoup, isolated):
    requirements_project(isolated)
    result = octoup("container", "build", "--dry-run", "--offline", *BASE,
                    env={"DOCKER_HOST": "unix:///nonexistent/docker.sock"})
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert f"FROM {BASE_IMAGE}" in out and "USER octo" in out
    # dependencies are installed before the code is copied: a code change keeps that layer
    assert out.index("pip install --no-index") < out.index("COPY --chown=octo:octo project/")
    assert "#   octotiny==1.0" in out and "#   octoextra>=2" in out
    assert "left out: data/ (1 files)" in out and "left out: runs/ (1 files)" in out
    assert "context: 2 project files" in out and "nothing was built" in out


def test_dry_run_conda_env_uses_micromamba_and_refuses_offline(octoup, isolated):
    (isolated / "environment.yml").write_text("name: demo\ndependencies:\n  - python=3.11\n  - numpy\n")
    result = octoup("container", "build", "--dry-run")
    assert result.returncode == 0, result.stderr
    assert "FROM mambaorg/micromamba" in result.stdout
    assert "micromamba install --yes --name base --file /tmp/octoup/environment.yml" in result.stdout
    offline = octoup("container", "build", "--dry-run", "--offline")
    assert offline.returncode == 2
    assert "--offline is not supported for environment.yml" in offline.stderr
    assert "Traceback" not in offline.stderr


def test_python_version_file_picks_the_base_image(octoup, isolated):
    requirements_project(isolated)
    (isolated / "runtime.txt").write_text("python-3.12\n")
    result = octoup("container", "build", "--dry-run")
    assert "FROM python:3.12-slim-bookworm" in result.stdout


def test_no_daemon_is_a_clear_error(octoup, isolated):
    requirements_project(isolated)
    result = octoup("container", "build", *BASE, env={"DOCKER_HOST": "unix:///nonexistent/docker.sock"})
    assert result.returncode == 2
    assert "no docker daemon answers at unix:///nonexistent/docker.sock" in result.stderr
    assert "hint: Start Docker" in result.stderr and "Traceback" not in result.stderr


def test_requirements_project_builds_runs_and_rebuilds_from_cache(octoup, isolated, docker_env):
    requirements_project(isolated)
    first = octoup("container", "build", "--offline", *BASE, "--tag", "octoup-test/req:1", "--json")
    assert first.returncode == 0, first.stderr
    built = json.loads(first.stdout)
    assert "Successfully installed octoextra-2.1 octotiny-1.0" in first.stderr
    out = image_run(docker_env, "octoup-test/req:1", ["python", "train.py"])
    assert out.strip() == "answer 42 hello from octoextra"
    # non-root user; data/ and runs/ stayed out of the image
    listing = image_run(docker_env, "octoup-test/req:1", ["sh", "-c", "id -un; ls -A"])
    assert listing.split() == ["octo", "requirements.txt", "train.py"]

    # a code-only change reuses every layer up to the code
    (isolated / "train.py").write_text("import octotiny\nprint('changed', octotiny.ANSWER)\n")
    second = octoup("container", "build", "--offline", *BASE, "--tag", "octoup-test/req:1", "--json")
    assert second.returncode == 0, second.stderr
    rebuilt = json.loads(second.stdout)
    assert rebuilt["steps"] == built["steps"]
    # every step but FROM (nothing to cache) and the code copy comes from the cache
    assert rebuilt["cached_steps"] == built["steps"] - 2, second.stderr
    assert built["cached_steps"] < rebuilt["cached_steps"]
    assert "Successfully installed" not in second.stderr
    assert image_run(docker_env, "octoup-test/req:1", ["python", "train.py"]).strip() == "changed 42"


def test_pipfile_lock_project_installs_with_hashes(octoup, isolated, docker_env, wheel_index):
    pipfile_lock_project(isolated, wheel_index)
    dry = octoup("container", "build", "--dry-run", "--offline", *BASE)
    assert "--require-hashes" in dry.stdout and "--hash=sha256:" in dry.stdout
    result = octoup("container", "build", "--offline", *BASE, "--tag", "octoup-test/lock:1")
    assert result.returncode == 0, result.stderr
    assert image_run(docker_env, "octoup-test/lock:1", ["python", "app.py"]).strip() == "locked 42"


def test_wrong_lock_hash_fails_before_building(octoup, isolated, docker_env, wheel_index):
    pipfile_lock_project(isolated, wheel_index)
    lock = json.loads((isolated / "Pipfile.lock").read_text())
    lock["default"]["octotiny"]["hashes"] = ["sha256:" + "0" * 64]
    (isolated / "Pipfile.lock").write_text(json.dumps(lock))
    result = octoup("container", "build", "--offline", *BASE)
    assert result.returncode == 2
    assert "could not download the wheelhouse for Pipfile.lock" in result.stderr
    assert "HASHES" in result.stderr.upper() and "Traceback" not in result.stderr


def test_failed_build_names_the_step_and_shows_the_log_tail(octoup, isolated, docker_env):
    (isolated / "pyproject.toml").write_text(
        '[project]\nname = "broken"\nversion = "0.1"\ndependencies = ["octotiny==1.0"]\n'
        '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n')
    (isolated / "setup.py").write_text("raise SystemExit('boom: this setup.py is broken')\n")
    result = octoup("container", "build", "--offline", *BASE, "--tag", "octoup-test/broken:1")
    assert result.returncode == 2, result.stderr
    error = result.stderr[result.stderr.index("error: image build failed"):]
    assert "RUN pip install --no-deps --no-build-isolation --no-index ." in error
    assert "boom: this setup.py is broken" in error
    assert "Traceback" not in error


def test_up_container_runs_a_command_with_the_project_mounted(octoup, isolated, docker_env):
    requirements_project(isolated)
    result = octoup("up", "--container", "--offline", *BASE,
                    "--run", "sh -c 'python train.py; cat data/big.csv'")
    assert result.returncode == 0, result.stderr
    # data/ is not in the image; it is there because the project is mounted
    assert result.stdout.splitlines() == ["answer 42 hello from octoextra", "a,b", "1,2"]
    failing = octoup("up", "--container", "--offline", *BASE, "--run", "python -c 'raise SystemExit(3)'")
    assert failing.returncode == 3


def test_up_container_without_terminal_or_command_says_what_to_do(octoup, isolated):
    requirements_project(isolated)
    result = octoup("up", "--container", *BASE)
    assert result.returncode == 2
    assert "no terminal for an interactive shell" in result.stderr and "--run" in result.stderr


def test_devcontainer_writes_json_with_size_and_refuses_to_overwrite(octoup, isolated):
    requirements_project(isolated)
    result = octoup("devcontainer", "--size", "gpu")
    assert result.returncode == 0, result.stderr
    data = json.loads((isolated / ".devcontainer" / "devcontainer.json").read_text())
    assert data["hostRequirements"] == {"cpus": 4, "memory": "16gb", "gpu": True}
    assert data["forwardPorts"] == [8888, 5000]
    assert data["postCreateCommand"].endswith("&& octoup up")
    assert data["image"].startswith("mcr.microsoft.com/devcontainers/python:1-3.11")
    again = octoup("devcontainer")
    assert again.returncode == 2 and "already exists" in again.stderr and "--force" in again.stderr
    unknown = octoup("devcontainer", "--size", "huge", "--force")
    assert unknown.returncode == 2 and "unknown size 'huge'" in unknown.stderr


def test_devcontainer_recommends_gpu_for_gpu_packages_and_builds_from_dockerfile(octoup, isolated):
    (isolated / "requirements.txt").write_text("torch==2.4.0\nnumpy\n")
    result = octoup("devcontainer", "--build")
    assert result.returncode == 0, result.stderr
    assert "size gpu" in result.stderr and "torch" in result.stderr
    folder = isolated / ".devcontainer"
    data = json.loads((folder / "devcontainer.json").read_text())
    assert data["build"] == {"dockerfile": "Dockerfile", "context": ".."}
    assert "image" not in data and data["hostRequirements"]["gpu"] is True
    dockerfile = (folder / "Dockerfile").read_text()
    assert "COPY --chown=octo:octo .devcontainer/requirements.txt /tmp/octoup/" in dockerfile
    assert "project/" not in dockerfile
    assert (folder / "requirements.txt").read_text() == "torch==2.4.0\nnumpy\n"


def test_secrets_in_env_files_stay_out_of_the_context(octoup, isolated):
    requirements_project(isolated)
    (isolated / ".env").write_text("AWS_SECRET_ACCESS_KEY=abc\n")
    result = octoup("container", "build", "--dry-run")
    assert "left out: .env" in result.stdout



"""Rebuilding an image after a code-only change: octoup's layer order vs a naive Dockerfile.

Both build the same project (numpy + pandas from an offline wheelhouse downloaded once from PyPI,
plus a script) on the same local debootstrap base image, against a real dockerd (the one in
DOCKER_HOST, else a private vfs daemon as the tests use):
- ``octoup``: ``octoup.container`` build, cold (``nocache``), then again after editing the script;
- ``naive``: ``COPY . /app`` then ``pip install`` (the Dockerfile most tutorials show), the same two builds.
Goal: octoup's rebuild ≤ 10 % of its cold build (the dependency layer is reused).
"""

from __future__ import annotations

import io
import sys
import tarfile
import time
from pathlib import Path

from bench.common import Measurement, save, temp_dir
from tests.container.docker_env import BASE_IMAGE, ensure_base_image, start_daemon

REQUIREMENTS = "numpy==2.1.3\npandas==2.2.3\n"
NAIVE = f"""FROM {BASE_IMAGE}
COPY . /app
WORKDIR /app
RUN python3 -m venv /opt/venv \
 && /opt/venv/bin/pip install --no-index --find-links /app/wheelhouse -r requirements.txt
"""


def _project(root: Path) -> None:
    (root / "requirements.txt").write_text(REQUIREMENTS)
    (root / "train.py").write_text("import pandas\nprint(pandas.__version__)\n")


def _naive_build(client, root: Path, wheels: Path, tag: str, nocache: bool) -> float:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for path in sorted(root.rglob("*")):
            tar.add(path, arcname=str(path.relative_to(root)), recursive=False)
        for wheel in sorted(wheels.iterdir()):
            tar.add(wheel, arcname=f"wheelhouse/{wheel.name}")
        data = NAIVE.encode()
        info = tarfile.TarInfo("Dockerfile")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    buffer.seek(0)
    start = time.perf_counter()
    for chunk in client.api.build(fileobj=buffer, custom_context=True, tag=tag, rm=True, decode=True,
                                  nocache=nocache, network_mode="none"):
        if "error" in chunk:
            raise RuntimeError(chunk["error"])
    return time.perf_counter() - start


def main() -> None:
    import os

    import docker

    from octoup.container.build import build
    from octoup.container.plan import plan
    from octoup.container.wheelhouse import download

    with temp_dir("container") as tmp:
        daemon = start_daemon(tmp)
        try:
            ensure_base_image(daemon.host)
            os.environ["DOCKER_HOST"] = daemon.host
            client = docker.DockerClient(base_url=daemon.host, timeout=1800)
            root = tmp / "project"
            root.mkdir()
            _project(root)
            image = plan(root, base=BASE_IMAGE, offline=True, tag="octoup-bench/octoup:1")
            wheels = tmp / "wheels"
            download(image, wheels)  # the naive build gets the very same wheels
            rows = []
            cold = build(image, nocache=True).seconds
            (root / "train.py").write_text("import pandas\nprint('changed', pandas.__version__)\n")
            warm = build(image)
            rows += [Measurement("container", "cold build", "octoup", cold),
                     Measurement("container", "rebuild after code change", "octoup", warm.seconds,
                                 notes=f"{warm.cached_steps} of {warm.steps} steps cached")]
            naive_cold = _naive_build(client, root, wheels, "octoup-bench/naive:1", True)
            (root / "train.py").write_text("import pandas\nprint('again', pandas.__version__)\n")
            naive_warm = _naive_build(client, root, wheels, "octoup-bench/naive:1", False)
            rows += [Measurement("container", "cold build", "naive Dockerfile", naive_cold),
                     Measurement("container", "rebuild after code change", "naive Dockerfile", naive_warm)]
            ratio = warm.seconds / cold
            save("container", rows, {"octoup_rebuild_vs_cold": round(ratio, 3),
                                     "naive_rebuild_vs_cold": round(naive_warm / naive_cold, 3),
                                     "goal": 0.10, "requirements": REQUIREMENTS.split(),
                                     "wheels": len(list(wheels.glob("*.whl"))),
                                     "storage_driver": client.info().get("Driver")})
            client.close()
            for row in rows:
                print(f"{row.client:18} {row.case:28} {row.seconds:7.1f} s {row.notes}")
            print(f"octoup rebuild / cold = {ratio:.3f} (goal <= 0.10)")
        finally:
            daemon.stop()


if __name__ == "__main__":
    sys.exit(main())

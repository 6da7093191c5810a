"""A 2 GiB file through git add / push / clone: multipart upload, ranged download, bounded memory."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest

from tests.gitdata.conftest import git, octoup_ok, sha

GIB = 2**30
MEASURE = ("import resource, subprocess, sys; r = subprocess.run(sys.argv[1:]); "
           "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); sys.exit(r.returncode)")


def peak_rss_mib(cwd, *argv: str) -> float:
    """Run ``argv`` and return the largest resident set of it or any process it waited for (MiB)."""
    result = subprocess.run([sys.executable, "-c", MEASURE, *argv], cwd=cwd, capture_output=True, text=True,
                            timeout=900)
    assert result.returncode == 0, result.stderr
    return int(result.stdout.strip().splitlines()[-1]) / 1024


class PartWatcher(threading.Thread):
    """Counts the parts of multipart uploads in flight in a local bucket (they live in uploads/<id>/)."""

    def __init__(self, bucket_dir):
        super().__init__(daemon=True)
        self.uploads, self.most, self.stop = bucket_dir / "uploads", 0, threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            for folder in self.uploads.glob("*"):
                self.most = max(self.most, sum(1 for _ in folder.glob("*")) - 1)  # minus upload.json
            time.sleep(0.05)


@pytest.mark.slow
def test_two_gib_file_round_trips_with_multipart_and_bounded_memory(project, remote, isolated):
    git(project, "init", "--quiet")
    octoup_ok("data", "track", "data/**", cwd=project)
    big = project / "data" / "big.bin"
    big.parent.mkdir()
    with big.open("wb") as fh:  # sparse, with a few real bytes so it is not all zeros
        for offset in range(0, 2 * GIB, 256 * 2**20):
            fh.seek(offset)
            fh.write(offset.to_bytes(8, "big") * 512)
        fh.truncate(2 * GIB)
    expected = sha(big)
    git(project, "add", ".")
    git(project, "commit", "--quiet", "-m", "big")
    git(project, "remote", "add", "origin", str(remote))

    watcher = PartWatcher(isolated.parent / "store" / "weather-data")
    watcher.start()
    pushed = peak_rss_mib(project, "git", "push", "--quiet", "origin", "main")
    watcher.stop.set()
    watcher.join()
    assert watcher.most >= 2, "the upload was not multipart"
    assert pushed < 400, f"push peaked at {pushed:.0f} MiB"

    clone = isolated.parent / "clone"
    pulled = peak_rss_mib(isolated.parent, sys.executable, "-m", "octoup", "clone", str(remote), str(clone))
    assert pulled < 400, f"clone peaked at {pulled:.0f} MiB"
    print(f"peak RSS: push {pushed:.0f} MiB, clone {pulled:.0f} MiB")
    assert (clone / "data/big.bin").stat().st_size == 2 * GIB
    assert sha(clone / "data/big.bin") == expected

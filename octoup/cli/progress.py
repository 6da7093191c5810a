"""Byte progress for long transfers: a rich bar on a terminal, one plain line otherwise."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from octoup.provider import Progress


@contextmanager
def byte_progress(description: str) -> Iterator[callable]:
    """Yields ``start(total) -> callback``; the callback takes bytes moved and is thread-safe."""
    if sys.stderr.isatty():
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            TimeRemainingColumn,
            TransferSpeedColumn,
        )
        from rich.progress import Progress as Bar

        with Bar("[progress.description]{task.description}", BarColumn(), DownloadColumn(),
                 TransferSpeedColumn(), TimeRemainingColumn(), transient=True) as bar:
            def start(total: int) -> Progress:
                task = bar.add_task(description, total=total)
                return lambda n: bar.advance(task, n)

            yield start
        return
    lock = threading.Lock()
    moved = [0, 0]
    began = time.monotonic()

    def start_plain(total: int) -> Progress:
        moved[1] += total

        def advance(n: int) -> None:
            with lock:
                moved[0] += n
        return advance

    yield start_plain
    elapsed = max(time.monotonic() - began, 1e-6)
    print(f"{description}: {moved[0]:,} of {moved[1]:,} bytes in {elapsed:.1f} s "
          f"({moved[0] / elapsed / 2**20:.1f} MiB/s)", file=sys.stderr)

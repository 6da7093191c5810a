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


class TransferReport:
    """A :class:`octoup.data.copy.Reporter` for people: a rich bar (bytes, files, rate, ETA) on a
    terminal; elsewhere a plain line every few seconds. Thread-safe."""

    PLAIN_EVERY = 5.0

    def __init__(self, description: str):
        self.description = description
        self.lock = threading.Lock()
        self.total = self.moved = self.files = self.done = 0
        self.began = self.last_line = time.monotonic()
        self.bar = None
        self.task = None

    def __enter__(self) -> TransferReport:
        if sys.stderr.isatty():
            from rich.progress import (
                BarColumn,
                DownloadColumn,
                TextColumn,
                TimeRemainingColumn,
                TransferSpeedColumn,
            )
            from rich.progress import Progress as Bar

            self.bar = Bar("[progress.description]{task.description}", BarColumn(), DownloadColumn(),
                           TransferSpeedColumn(), TextColumn("{task.fields[files]}"), TimeRemainingColumn(),
                           transient=True)
            self.bar.__enter__()
            self.task = self.bar.add_task(self.description, total=0, files="")
        return self

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)

    def add_total(self, nbytes: int, files: int) -> None:
        with self.lock:
            self.total += nbytes
            self.files += files
        self._draw()

    def advance(self, nbytes: int) -> None:
        with self.lock:
            self.moved += nbytes
        self._draw()

    def file_done(self, path: str, *, copied: bool) -> None:
        if copied:
            with self.lock:
                self.done += 1
            self._draw()

    def note(self, message: str) -> None:
        from octoup.cli.output import say

        if self.bar is not None:
            self.bar.console.print(message, markup=False, highlight=False)
        else:
            say(message)

    def _draw(self) -> None:
        if self.bar is not None:
            self.bar.update(self.task, total=self.total, completed=self.moved,
                            files=f"{self.done}/{self.files} files")
            return
        now = time.monotonic()
        with self.lock:
            if now - self.last_line < self.PLAIN_EVERY:
                return
            self.last_line = now
            rate = self.moved / max(now - self.began, 1e-6) / 1e6
            line = (f"{self.description}: {self.done}/{self.files} files, {self.moved / 1e6:,.1f} of "
                    f"{self.total / 1e6:,.1f} MB, {rate:.1f} MB/s")
        print(line, file=sys.stderr, flush=True)

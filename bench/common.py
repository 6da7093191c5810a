"""Shared benchmark plumbing: timing, fresh emulators per measurement, results on disk."""

from __future__ import annotations

import json
import os
import platform
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
MB = 1_000_000


@dataclass
class Measurement:
    bench: str
    case: str
    client: str
    seconds: float
    nbytes: int = 0
    runs: int = 1
    notes: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def mb_per_s(self) -> float:
        return self.nbytes / MB / self.seconds if self.seconds else 0.0


def best_of(runs: int, fn: Callable[[], None]) -> float:
    """Minimum wall time of ``runs`` calls."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def save(name: str, measurements: list[Measurement], meta: dict | None = None, *,
         merge: bool = False) -> Path:
    """Write results; with ``merge``, replace only the rows measured now in the saved file."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    now = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
    rows = [asdict(m) | {"mb_per_s": round(m.mb_per_s, 1), "when": now} for m in measurements]
    if merge and path.exists():
        new = {(r["case"], r["client"]) for r in rows}
        old = json.loads(path.read_text())["measurements"]
        rows = [r for r in old if (r["case"], r["client"]) not in new] + rows
    payload = {
        "when": now,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "platform": platform.platform()},
        "meta": meta or {},
        "measurements": rows,
    }
    path.write_text(json.dumps(payload, indent=2))
    return path


@contextmanager
def temp_dir(name: str) -> Iterator[Path]:
    import shutil
    import tempfile

    path = Path(tempfile.mkdtemp(prefix=f"octoup-bench-{name}-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)

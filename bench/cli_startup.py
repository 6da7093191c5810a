"""`octoup --help` wall time against `python -c "import typer, rich"` (minimum of N runs each)."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from bench.common import Measurement, best_of, save


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    octoup = str(Path(sys.executable).parent / "octoup")
    cases = {
        "octoup --help": [octoup, "--help"],
        "octoup --version": [octoup, "--version"],
        'python -c "import typer, rich"': [sys.executable, "-c", "import typer, rich"],
    }
    results = []
    for name, argv in cases.items():
        subprocess.run(argv, stdout=subprocess.DEVNULL, check=True)  # warm the page cache
        seconds = best_of(args.runs, lambda a=argv: subprocess.run(a, stdout=subprocess.DEVNULL,
                                                                    check=True))
        results.append(Measurement("cli_startup", name, name.split()[0], seconds, runs=args.runs))
        print(f"{name:35s} {seconds * 1000:7.1f} ms (min of {args.runs})")
    ratio = results[0].seconds / results[2].seconds
    print(f"ratio octoup --help / import typer, rich = {ratio:.2f} (goal <= 1.5)")
    save("cli_startup", results, {"ratio": round(ratio, 3), "goal": 1.5})


if __name__ == "__main__":
    main()

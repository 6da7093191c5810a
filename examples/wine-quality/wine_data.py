"""A wine-quality-like table (the columns of the UCI red-wine data), generated from a seed.

No download: the values follow plausible ranges and ``quality`` depends on alcohol, volatile
acidity, sulphates and citric acid plus noise, so a model has something real to learn.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

COLUMNS = {  # name: (mean, standard deviation, low, high)
    "fixed acidity": (8.3, 1.7, 4.6, 15.9), "volatile acidity": (0.53, 0.18, 0.12, 1.58),
    "citric acid": (0.27, 0.19, 0.0, 1.0), "residual sugar": (2.5, 1.4, 0.9, 15.5),
    "chlorides": (0.087, 0.047, 0.012, 0.61), "free sulfur dioxide": (15.9, 10.5, 1.0, 72.0),
    "total sulfur dioxide": (46.5, 32.9, 6.0, 289.0), "density": (0.9967, 0.0019, 0.990, 1.004),
    "pH": (3.31, 0.15, 2.74, 4.01), "sulphates": (0.66, 0.17, 0.33, 2.0), "alcohol": (10.4, 1.07, 8.4, 14.9),
}


def generate(rows: int = 1599, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({name: np.clip(rng.normal(mean, sd, rows), low, high).round(4)
                          for name, (mean, sd, low, high) in COLUMNS.items()})
    score = (5.6 + 0.35 * (frame["alcohol"] - 10.4) - 1.2 * (frame["volatile acidity"] - 0.53)
             + 0.9 * (frame["sulphates"] - 0.66) + 0.4 * (frame["citric acid"] - 0.27)
             + rng.normal(0, 0.45, rows))
    frame["quality"] = np.clip(score.round(), 3, 8).astype(int)
    return frame


def ensure(path: Path) -> Path:
    """Write the CSV at ``path`` unless it is already there."""
    if not path.exists():
        generate().to_csv(path, index=False)
    return path


if __name__ == "__main__":
    print(ensure(Path(__file__).with_name("wine-quality.csv")))

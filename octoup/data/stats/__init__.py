"""Dataset statistics in the spirit of TFDV: mergeable per-file partials, sketches, histograms."""

from octoup.data.stats.engine import StatsRequest, compute, load
from octoup.data.stats.model import ColumnStats, DatasetStats

__all__ = ["ColumnStats", "DatasetStats", "StatsRequest", "compute", "load"]

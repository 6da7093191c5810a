"""Datasets: copy, unpack, pull and push data between sources and buckets.

Scripts open dataset files through :func:`path` or :func:`open` so they work the same before and
after ``octoup data pull``::

    import octoup.data
    df = pandas.read_csv(octoup.data.open("flights/flights.csv"))
"""

from __future__ import annotations

from octoup.data.paths import open, path
from octoup.data.profile import profile

__all__ = ["open", "path", "profile"]

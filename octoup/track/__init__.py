"""Run tracking: sessions that are MLflow runs, stored under ``<project>/runs`` (MLflow's file-store
layout), with the user's own ``mlflow.start_run()`` nested inside. See :mod:`octoup.track.session`."""

from __future__ import annotations

from octoup.track.session import Session, session

__all__ = ["Session", "session"]

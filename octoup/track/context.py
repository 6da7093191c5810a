"""MLflow run-context provider: runs started while an octoup session is open become its children.

MLflow asks every registered provider for tags when ``mlflow.start_run()`` creates a run; this one
adds ``mlflow.parentRunId`` (the session's run) so the user's own runs nest under the session
without code changes. Tags the user passes (``nested=True`` inside another run) win over these.

This module imports nothing from octoup: ``octoup run`` copies it into environments that have
mlflow but not octoup (``--env``), next to a dist-info that registers it.
"""

from __future__ import annotations

import os

from mlflow.tracking.context.abstract_context import RunContextProvider

PARENT_ENV = "OCTOUP_PARENT_RUN_ID"  # = octoup.track.store.PARENT_ENV (this file imports no octoup)
PARENT_TAG = "mlflow.parentRunId"


class OctoupRunContext(RunContextProvider):
    """Nest runs under the octoup session named by ``OCTOUP_PARENT_RUN_ID``."""

    def in_context(self) -> bool:
        return bool(os.environ.get(PARENT_ENV))

    def tags(self) -> dict[str, str]:
        return {PARENT_TAG: os.environ[PARENT_ENV], "octoup.session": os.environ[PARENT_ENV]}

"""One detector per env-file format; :data:`ORDER` is the precedence, first match wins."""

from __future__ import annotations

from octoup.env.detectors.base import Detector
from octoup.env.detectors.conda import CondaDetector
from octoup.env.detectors.pipfile import PipfileDetector, PipfileLockDetector
from octoup.env.detectors.pyproject import PyprojectDetector
from octoup.env.detectors.requirements import RequirementsDetector
from octoup.env.detectors.setup import SetupDetector

ORDER: tuple[Detector, ...] = (
    CondaDetector(),
    PipfileLockDetector(),
    PipfileDetector(),
    RequirementsDetector(),
    PyprojectDetector(),
    SetupDetector(),
)

BY_NAME = {detector.name: detector for detector in ORDER}

__all__ = ["BY_NAME", "ORDER", "Detector"]

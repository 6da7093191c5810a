"""``requirements.txt`` (and ``requirements*.txt``): pip's format, includes and all."""

from __future__ import annotations

from pathlib import Path

from octoup.env.detectors.base import Detector
from octoup.env.reqfile import parse_file
from octoup.env.spec import EnvSpec


class RequirementsDetector(Detector):
    name = "requirements"
    patterns = ("requirements.txt", "requirements*.txt", "requirements/*.txt")

    def load(self, path: Path, *, root: Path) -> EnvSpec:
        parsed = parse_file(path, root=root)
        requirements = parsed.requirements
        pins = {r.key: r.pin for r in requirements if r.key and r.pin}
        fully_pinned = bool(requirements) and all(r.pin or r.url for r in requirements)
        return EnvSpec(
            kind=self.name,
            path=path,
            inputs=parsed.files,
            requirements=requirements,
            constraints=parsed.constraints,
            index_options=parsed.options,
            lock_pins=pins if fully_pinned else {},
            install_project=any(r.editable and r.url in (".", "./") for r in requirements),
        )

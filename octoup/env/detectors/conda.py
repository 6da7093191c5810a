"""``environment.yml``: conda channels, match specs and a ``pip:`` section."""

from __future__ import annotations

import re
from pathlib import Path

from octoup.env.detectors.base import Detector
from octoup.env.reqfile import parse_file, parse_line
from octoup.env.spec import CondaDeps, EnvSpec, Origin, PythonRequest, Requirement
from octoup.errors import ConfigError
from octoup.textfiles import compose_yaml, yaml_value

_SPEC = re.compile(r"^(?:[\w.\-]+(?:/[\w.\-]+)*::)?([A-Za-z0-9_.\-]+)\s*(.*)$")


class CondaDetector(Detector):
    name = "conda"
    patterns = ("environment.yml", "environment.yaml")

    def load(self, path: Path, *, root: Path) -> EnvSpec:
        shown = self.shown(path, root)
        node = compose_yaml(path, shown)
        if node is None or node.tag != "tag:yaml.org,2002:map":
            raise ConfigError(
                shown,
                "is not a conda environment file (expected a mapping with 'dependencies')",
                hint="See https://docs.conda.io/ (environment.yml).",
            )
        fields = {key.value: value for key, value in node.value}
        deps_node = fields.get("dependencies")
        if deps_node is None or not getattr(deps_node, "value", None):
            raise ConfigError(
                shown,
                "has no dependencies",
                line=deps_node.start_mark.line + 1 if deps_node is not None else None,
                hint="List packages under 'dependencies:', e.g. '- python=3.11' and '- pandas'.",
            )
        if deps_node.tag != "tag:yaml.org,2002:seq":
            raise ConfigError(shown, "'dependencies' must be a list", line=deps_node.start_mark.line + 1)
        conda = CondaDeps(
            name=_scalar(fields.get("name")),
            channels=[str(c) for c in (yaml_value(fields.get("channels")) or [])],
        )
        spec = EnvSpec(kind=self.name, path=path, inputs=[path], conda=conda)
        for item in deps_node.value:
            origin = Origin(Path(shown), item.start_mark.line + 1)
            if item.tag == "tag:yaml.org,2002:map":
                self._pip_section(item, spec, path=path, root=root, origin=origin)
                continue
            text = str(yaml_value(item)).strip()
            match = _SPEC.match(text)
            if not match:
                raise ConfigError(
                    shown,
                    f"invalid conda package spec {text!r}",
                    line=origin.line,
                    hint="Write it as name, name=1.2 or 'name>=1.2,<2'.",
                )
            if match.group(1).lower() == "python" and match.group(2):
                spec.python = PythonRequest(conda_version(match.group(2)), origin)
            conda.specs.append((text, origin))
        return spec

    def _pip_section(self, item, spec: EnvSpec, *, path: Path, root: Path, origin: Origin) -> None:
        value = yaml_value(item)
        if set(value) != {"pip"} or not isinstance(value["pip"], list):
            raise ConfigError(
                str(origin.path),
                f"unexpected entry {value!r} in dependencies",
                line=origin.line,
                hint="Only package specs and a 'pip:' list belong here.",
            )
        lines = {key.value: val for key, val in item.value}["pip"].value
        for entry in lines:
            text = str(yaml_value(entry)).strip()
            where = Origin(origin.path, entry.start_mark.line + 1)
            if text.startswith(("-r ", "--requirement ")):
                included = parse_file(path.parent / text.split(None, 1)[1], root=root)
                spec.requirements += included.requirements
                spec.inputs += included.files
            elif text.startswith(("-e ", "--editable ")):
                target = text.split(None, 1)[1]
                base = parse_line(target, where)
                spec.requirements.append(
                    Requirement(
                        text=text, name=base.name, url=base.url or target, editable=True, origin=where
                    )
                )
            else:
                spec.requirements.append(parse_line(text, where))


def _scalar(node) -> str | None:
    return str(node.value) if node is not None and hasattr(node, "value") else None


def conda_version(constraint: str) -> str:
    """A conda version constraint (``=3.11``, ``3.11.*``, ``>=3.10``) as a Python version request."""
    text = constraint.strip().split()[0]
    if text.startswith("=") and not text.startswith("=="):
        text = text[1:]
    text = text.removesuffix(".*").removesuffix("*")
    return text.lstrip("=") if text.startswith("==") else text


def split_conda_spec(text: str) -> tuple[str, str]:
    """``channel::name >=1.2`` → (``name``, ``>=1.2``)."""
    match = _SPEC.match(text.strip())
    return (match.group(1), match.group(2).strip()) if match else (text.strip(), "")

"""``setup.cfg`` / ``setup.py``: a package that installs itself with its ``install_requires``."""

from __future__ import annotations

import ast
import configparser
from pathlib import Path

from octoup.env.detectors.base import Detector, key_line
from octoup.env.reqfile import parse_line
from octoup.env.spec import EnvSpec, Origin, PythonRequest
from octoup.errors import ConfigError


class SetupDetector(Detector):
    name = "setup"
    patterns = ("setup.py", "setup.cfg")

    def load(self, path: Path, *, root: Path) -> EnvSpec:
        folder = path.parent
        inputs = [p for p in (folder / "setup.py", folder / "setup.cfg") if p.is_file()]
        spec = EnvSpec(kind=self.name, path=path, inputs=inputs, install_project=True)
        cfg = folder / "setup.cfg"
        if cfg.is_file():
            self._from_cfg(cfg, spec, root=root)
        if not spec.requirements and (folder / "setup.py").is_file():
            self._from_setup_py(folder / "setup.py", spec, root=root)
        return spec

    def _from_cfg(self, cfg: Path, spec: EnvSpec, *, root: Path) -> None:
        shown = Path(self.shown(cfg, root))
        text = cfg.read_text(encoding="utf-8")
        parser = configparser.ConfigParser()
        try:
            parser.read_string(text, source=str(shown))
        except configparser.Error as exc:
            raise ConfigError(
                str(shown),
                f"not a valid setup.cfg ({str(exc).splitlines()[0]})",
                line=getattr(exc, "lineno", None),
            ) from None
        if not parser.has_section("options"):
            return
        for line in parser.get("options", "install_requires", fallback="").splitlines():
            if line.strip():
                spec.requirements.append(parse_line(line.strip(), Origin(shown, _text_line(text, line))))
        requires = parser.get("options", "python_requires", fallback=None)
        if requires:
            spec.python = PythonRequest(requires.strip(), Origin(shown, key_line(text, "python_requires")))

    def _from_setup_py(self, setup_py: Path, spec: EnvSpec, *, root: Path) -> None:
        """Read a literal ``install_requires=[...]`` without running setup.py."""
        shown = Path(self.shown(setup_py, root))
        try:
            tree = ast.parse(setup_py.read_text(encoding="utf-8"), filename=str(shown))
        except SyntaxError as exc:
            raise ConfigError(str(shown), f"is not valid Python ({exc.msg})", line=exc.lineno) from None
        for node in ast.walk(tree):
            if isinstance(node, ast.keyword) and node.arg in ("install_requires", "python_requires"):
                try:
                    value = ast.literal_eval(node.value)
                except ValueError:
                    spec.notes.append(f"{shown}: {node.arg} is computed; it is known once built")
                    continue
                if node.arg == "python_requires":
                    spec.python = PythonRequest(str(value), Origin(shown, node.lineno))
                else:
                    spec.requirements += [parse_line(v, Origin(shown, node.lineno)) for v in value]


def _text_line(text: str, fragment: str) -> int | None:
    index = text.find(fragment.strip())
    return text.count("\n", 0, index) + 1 if index >= 0 else None

"""Lazy imports of optional SDKs: the one place an ImportError becomes an install hint."""

from __future__ import annotations

import importlib
from types import ModuleType

from octoup.errors import MissingDependency


def optional_import(module: str, package: str, extra: str) -> ModuleType:
    """Import ``module``, or raise MissingDependency naming ``package`` and octoup's ``extra``."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingDependency(package, extra) from exc

"""Which providers exist, which are installed, and how to load them lazily.

Providers join through the ``octoup.providers`` entry-point group: each entry point returns a
:class:`~octoup.provider.ProviderInfo` whose classes are import strings, so nothing heavy is
imported until a provider is used. Providers octoup knows about but that are not installed are
listed with the command that installs them.
"""

from __future__ import annotations

import functools
import importlib
import logging
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import TYPE_CHECKING

from octoup.errors import ProviderNotInstalled, UnknownProvider
from octoup.provider import ProviderInfo

if TYPE_CHECKING:
    from octoup.config import CloudSettings
    from octoup.provider import StorageProvider

GROUP = "octoup.providers"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Known:
    description: str
    extra: str


KNOWN: dict[str, Known] = {
    "local": Known("directory object store on this machine (no account needed)", ""),
    "aws": Known("Amazon S3 (boto3)", "aws"),
    "gcp": Known("Google Cloud Storage (google-cloud-storage)", "gcp"),
    "azure": Known("Azure Blob Storage (azure-storage-blob)", "azure"),
    "libcloud": Known("any Apache Libcloud storage driver: S3-compatible and other clouds",
                      "libcloud"),
}


def install_hint(name: str) -> str:
    known = KNOWN.get(name)
    if known and known.extra:
        return f"pip install 'octoup[{known.extra}]'  (or: uv sync --extra {known.extra})"
    return f"install the distribution that provides the '{name}' octoup provider"


@functools.cache
def installed() -> dict[str, ProviderInfo]:
    """Every provider registered through the entry-point group, by name."""
    found: dict[str, ProviderInfo] = {}
    for ep in entry_points(group=GROUP):
        try:
            info = ep.load()()
        except Exception as exc:  # a broken plug-in must not break octoup
            log.warning("provider entry point %s failed to load: %s", ep.value, exc)
            continue
        if not isinstance(info, ProviderInfo) or info.name != ep.name:
            log.warning("provider entry point %s does not describe provider '%s'; skipped",
                        ep.value, ep.name)
            continue
        if info.name in found:
            log.warning("provider '%s' registered twice (%s); keeping the first",
                        info.name, ep.value)
            continue
        found[info.name] = info
    return found


def get(name: str) -> ProviderInfo:
    providers = installed()
    if name in providers:
        return providers[name]
    if name in KNOWN:
        raise ProviderNotInstalled(name, install_hint(name))
    raise UnknownProvider(name, [*KNOWN, *providers])


def load_object(spec: str):
    """Import ``module:attribute``."""
    module, _, attr = spec.partition(":")
    return getattr(importlib.import_module(module), attr)


def settings_model(name: str) -> type[CloudSettings]:
    """The settings model for a cloud's ``[clouds.NAME]`` table (base model if not installed)."""
    from octoup.config import CloudSettings

    info = installed().get(name)
    return load_object(info.settings) if info else CloudSettings


def storage(name: str, settings: CloudSettings | None = None, *,
            project: str | None = None) -> StorageProvider:
    """An instance of the cloud's storage adapter."""
    info = get(name)
    cls = load_object(info.storage)
    if settings is None:
        settings = settings_model(name)()
    return cls(settings, project=project)


def for_project(project, cloud: str | None = None) -> StorageProvider:
    """The storage adapter for ``cloud`` (default: the project's) with the project's settings."""
    name = cloud or project.config.project.default_cloud
    return storage(name, project.cloud_settings(name), project=project.name)

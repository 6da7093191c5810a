"""The data behind ``octoup providers``: one row per known or installed provider."""

from __future__ import annotations

from dataclasses import dataclass, field

from octoup import config, registry
from octoup.provider import Capability


@dataclass
class ProviderRow:
    name: str
    description: str
    installed: bool
    distribution: str | None = None
    install_hint: str | None = None
    capabilities: list[str] = field(default_factory=list)
    credentials_ok: bool | None = None
    credentials: str | None = None
    credentials_hint: str | None = None

    @property
    def credentials_text(self) -> str:
        if self.credentials_ok is None:
            return self.credentials or "-"
        return f"{'ok' if self.credentials_ok else 'missing'}: {self.credentials}"


def _load_project() -> config.Project | Exception | None:
    """The project here, read once; a broken config is kept to be reported in every row."""
    root = config.find_root()
    try:
        return config.load(root) if root else None
    except Exception as exc:
        return exc


def _settings_for(project: config.Project | Exception | None, name: str):
    if isinstance(project, Exception):
        raise project
    return project.cloud_settings(name) if project else None


def report(*, check_credentials: bool = True) -> list[ProviderRow]:
    installed = registry.installed()
    project = _load_project()
    rows: list[ProviderRow] = []
    for name in sorted({*registry.KNOWN, *installed}):
        info = installed.get(name)
        if info is None:
            rows.append(ProviderRow(name, registry.KNOWN[name].description, False,
                                    install_hint=registry.install_hint(name)))
            continue
        row = ProviderRow(name, info.description, True, info.distribution)
        try:
            adapter = registry.storage(name, _settings_for(project, name))
            capabilities = {c.value for c in adapter.capabilities}
            if info.compute:  # a compute adapter is registered beside the storage one
                capabilities.add(Capability.COMPUTE.value)
            row.capabilities = sorted(capabilities)
            if check_credentials:
                status = adapter.check_credentials()
                row.credentials_ok, row.credentials = status.ok, status.source
                row.credentials_hint = status.hint
            else:
                row.credentials = "not checked"
        except Exception as exc:  # one broken provider must not hide the others
            row.credentials_ok, row.credentials = False, f"failed to load: {exc}"
        rows.append(row)
    return rows

"""The embedded ``local`` provider: a directory object store, no account needed."""

from octoup.provider import ProviderInfo


def provider_info() -> ProviderInfo:
    return ProviderInfo(
        name="local",
        description="directory object store on this machine (no account needed)",
        distribution="octoup",
        storage="octoup.local.storage:LocalStorage",
        settings="octoup.local.settings:LocalSettings",
    )

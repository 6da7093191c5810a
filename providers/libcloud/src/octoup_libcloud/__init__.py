"""octoup's Apache Libcloud provider: any libcloud storage driver (imported lazily)."""

from octoup.provider import ProviderInfo


def provider_info() -> ProviderInfo:
    return ProviderInfo(
        name="libcloud",
        description="any Apache Libcloud storage driver: S3-compatible stores and the long tail",
        distribution="octoup-libcloud",
        storage="octoup_libcloud.storage:LibcloudStorage",
        settings="octoup_libcloud.settings:LibcloudSettings",
        compute="octoup_libcloud.compute:LibcloudCompute",
        extra="libcloud",
    )

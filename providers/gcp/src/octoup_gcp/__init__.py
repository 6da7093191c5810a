"""octoup's Google Cloud provider: Cloud Storage through google-cloud-storage (imported lazily)."""

from octoup.provider import ProviderInfo


def provider_info() -> ProviderInfo:
    return ProviderInfo(
        name="gcp",
        description="Google Cloud Storage (google-cloud-storage)",
        distribution="octoup-gcp",
        storage="octoup_gcp.storage:GcsStorage",
        settings="octoup_gcp.settings:GcpSettings",
        compute="octoup_gcp.compute:GceCompute",
        extra="gcp",
    )

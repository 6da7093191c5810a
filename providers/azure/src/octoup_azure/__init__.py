"""octoup's Microsoft Azure provider: Blob Storage through azure-storage-blob (imported lazily)."""

from octoup.provider import ProviderInfo


def provider_info() -> ProviderInfo:
    return ProviderInfo(
        name="azure",
        description="Azure Blob Storage (azure-storage-blob)",
        distribution="octoup-azure",
        storage="octoup_azure.storage:AzureBlobStorage",
        settings="octoup_azure.settings:AzureSettings",
        compute="octoup_azure.compute:AzureCompute",
        extra="azure",
    )

"""octoup's Amazon Web Services provider: S3 storage through boto3 (imported lazily)."""

from octoup.provider import ProviderInfo


def provider_info() -> ProviderInfo:
    return ProviderInfo(
        name="aws",
        description="Amazon S3 (boto3)",
        distribution="octoup-aws",
        storage="octoup_aws.storage:S3Storage",
        settings="octoup_aws.settings:AwsSettings",
        compute="octoup_aws.compute:Ec2Compute",
        extra="aws",
    )

from __future__ import annotations

from pydantic import Field

from octoup.config import CloudSettings


class LibcloudSettings(CloudSettings):
    """``[clouds.libcloud]``: which libcloud driver, and where its credentials are::

        [clouds.libcloud]
        driver = "minio"                      # any S3-compatible store: MinIO, Ceph, Wasabi...
        endpoint_url = "https://s3.example.org:9000"
        region = "eu-central-1"

    ``endpoint_url`` gives the driver its host, port and http/https (the path is ignored);
    ``region`` is passed to drivers that take one and signs S3-compatible requests.
    """

    driver: str = Field("s3", description="libcloud storage Provider name: s3, minio, azure_blobs...")
    key_env: str = Field("OCTOUP_LIBCLOUD_KEY", description="env var holding the key id / account")
    secret_env: str = Field("OCTOUP_LIBCLOUD_SECRET", description="env var holding the secret")
    extra: dict[str, str | int | bool] = Field(default_factory=dict,
                                               description="more keyword arguments for the driver")

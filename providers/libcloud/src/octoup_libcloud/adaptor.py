"""The only place libcloud is imported: lazily, with an install hint when it is missing."""

from __future__ import annotations

from functools import cache

from octoup.errors import MissingDependency, OctoupError

POPULAR = ("s3", "minio", "digitalocean_spaces", "google_storage", "azure_blobs", "backblaze_b2",
           "openstack_swift", "s3_rgw", "ovh", "scaleway")
DRIVER_LIST = "https://libcloud.readthedocs.io/en/stable/storage/supported_providers.html"


@cache
def libcloud():
    """The ``libcloud`` package with the storage modules octoup uses loaded."""
    try:
        import libcloud.common.exceptions
        import libcloud.common.types
        import libcloud.storage.base
        import libcloud.storage.drivers.s3
        import libcloud.storage.providers
        import libcloud.storage.types
    except ImportError as exc:
        raise MissingDependency("apache-libcloud", "libcloud") from exc
    return libcloud


def driver_class(name: str) -> type:
    """The StorageDriver class for a libcloud storage Provider name."""
    drivers = libcloud().storage.providers.DRIVERS
    if name not in drivers:
        raise OctoupError(
            f"Unknown libcloud storage driver '{name}'.",
            f"Set clouds.libcloud.driver to one of {', '.join(POPULAR)}, ... "
            f"({len(drivers)} in all: libcloud.storage.types.Provider, or {DRIVER_LIST}).")
    return libcloud().storage.providers.get_driver(name)

"""The only place libcloud is imported: lazily, with an install hint when it is missing."""

from __future__ import annotations

import sys
from functools import cache

from octoup.adaptors import optional_import
from octoup.errors import OctoupError

POPULAR = ("s3", "minio", "digitalocean_spaces", "google_storage", "azure_blobs", "backblaze_b2",
           "openstack_swift", "s3_rgw", "ovh", "scaleway")
DRIVER_LIST = "https://libcloud.readthedocs.io/en/stable/storage/supported_providers.html"


@cache
def libcloud():
    """The ``libcloud`` package with the storage modules octoup uses loaded."""
    for module in ("libcloud.common.exceptions", "libcloud.common.types", "libcloud.storage.base",
                   "libcloud.storage.drivers.s3", "libcloud.storage.providers",
                   "libcloud.storage.types"):
        optional_import(module, "apache-libcloud", "libcloud")
    return sys.modules["libcloud"]


def driver_class(name: str) -> type:
    """The StorageDriver class for a libcloud storage Provider name."""
    drivers = libcloud().storage.providers.DRIVERS
    if name not in drivers:
        raise OctoupError(
            f"Unknown libcloud storage driver '{name}'.",
            f"Set clouds.libcloud.driver to one of {', '.join(POPULAR)}, ... "
            f"({len(drivers)} in all: libcloud.storage.types.Provider, or {DRIVER_LIST}).")
    return libcloud().storage.providers.get_driver(name)

"""The provider interface: what every cloud (local included) offers octoup.

A provider is a small set of classes named by import strings in a :class:`ProviderInfo`
(see :mod:`octoup.registry`). Storage adapters subclass :class:`StorageProvider` and implement
only the primitives (one request each); the base class builds parallel multipart uploads,
ranged parallel downloads, streaming and checksum verification on top of them, so every cloud
gets the same behaviour. No SDK type crosses this interface: results are the dataclasses below.
"""

from __future__ import annotations

import enum
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, ClassVar

from octoup.errors import InvalidBucketName
from octoup.storage import naming

if TYPE_CHECKING:
    from octoup.config import CloudSettings
    from octoup.storage.transfer import TransferResult

MiB = 2**20
GiB = 2**30

Progress = Callable[[int], None]
"""Called with the number of bytes just moved."""


class Capability(enum.StrEnum):
    STORAGE = "storage"
    MULTIPART = "multipart"
    RANGED_READ = "ranged-read"
    SERVER_SIDE_COPY = "server-side-copy"
    BUCKET_TAGS = "bucket-tags"
    COMPUTE = "compute"


@dataclass(frozen=True)
class ProviderInfo:
    """Plain metadata a provider distribution returns from its ``octoup.providers`` entry point."""

    name: str
    description: str
    distribution: str
    storage: str
    """Import string of the StorageProvider subclass, e.g. ``octoup_aws.storage:S3Storage``."""
    settings: str = "octoup.config:CloudSettings"
    compute: str | None = None
    extra: str | None = None


@dataclass(frozen=True)
class CredentialStatus:
    ok: bool
    source: str
    """Where the credentials came from (``environment``, ``profile:dev``) or what is missing."""
    hint: str | None = None


@dataclass(frozen=True)
class BucketInfo:
    cloud: str
    name: str
    uri: str
    region: str | None = None
    created: bool = False
    tags: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ObjectInfo:
    key: str
    size: int
    etag: str | None = None
    checksums: Mapping[str, str] = field(default_factory=dict)
    """Cloud-native checksums by algorithm: ``md5`` (hex), ``crc32c`` (base64), ``sha256`` (hex)."""
    last_modified: datetime | None = None
    version_id: str | None = None
    metadata: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class IncompleteUpload:
    key: str
    upload_id: str
    started: datetime | None = None


@dataclass(frozen=True)
class TransferConfig:
    """How big transfers are cut up: part size, threads, and when multipart starts."""

    part_size: int = 16 * MiB
    concurrency: int = 8
    multipart_threshold: int = 32 * MiB

    def for_size(self, size: int | None, *, max_parts: int, min_part: int) -> TransferConfig:
        """This config with the part size raised so ``size`` fits in ``max_parts`` parts."""
        part = max(self.part_size, min_part)
        if size:
            while size > part * max_parts:
                part *= 2
        return TransferConfig(part, self.concurrency, max(self.multipart_threshold, part))


class MultipartWriter(ABC):
    """One multipart upload in progress. Parts may be uploaded from several threads."""

    @abstractmethod
    def upload_part(self, number: int, data: bytes) -> object:
        """Upload part ``number`` (1-based); return a token ``complete`` needs."""

    @abstractmethod
    def complete(self, parts: list[object]) -> ObjectInfo:
        """Assemble the parts, in order, into the final object."""

    @abstractmethod
    def abort(self) -> None:
        """Discard every uploaded part; the object never appears."""


class StorageProvider(ABC):
    """A cloud's object store. Subclasses implement the abstract primitives only."""

    name: ClassVar[str]
    scheme: ClassVar[str]
    capabilities: frozenset[Capability] = frozenset({Capability.STORAGE})
    """What this adapter can do; an instance may narrow it (e.g. by the configured driver)."""
    min_part_size: ClassVar[int] = 5 * MiB
    max_parts: ClassVar[int] = 10_000
    default_transfer: ClassVar[TransferConfig] = TransferConfig()

    def __init__(self, settings: CloudSettings, *, project: str | None = None):
        self.settings = settings
        self.project = project

    # -- identity and credentials ----------------------------------------------------------

    def uri(self, bucket: str, key: str = "") -> str:
        return f"{self.scheme}://{bucket}/{key}"

    @abstractmethod
    def check_credentials(self) -> CredentialStatus:
        """Say whether credentials were found (never raises, never contains a secret)."""

    # -- buckets -----------------------------------------------------------------------------

    def bucket_name_problem(self, name: str) -> str | None:
        """The first of the cloud's bucket naming rules ``name`` breaks (S3's unless overridden)."""
        return naming.s3_problem(name)

    def validate_bucket_name(self, name: str) -> None:
        """Raise :class:`~octoup.errors.InvalidBucketName` when ``name`` breaks the cloud's rules."""
        problem = self.bucket_name_problem(name)
        if problem:
            raise InvalidBucketName(self.name, name, problem)

    @abstractmethod
    def ensure_bucket(self, name: str, *, tags: Mapping[str, str] | None = None) -> BucketInfo:
        """Create the bucket when missing (tagged with ``tags``); succeed when it is ours already."""

    @abstractmethod
    def delete_bucket(self, name: str) -> None:
        """Delete an empty bucket."""

    def project_tags(self) -> dict[str, str]:
        return {"octoup-project": self.project} if self.project else {}

    # -- objects: one request each -----------------------------------------------------------

    @abstractmethod
    def list(self, bucket: str, prefix: str = "") -> Iterator[ObjectInfo]:
        """Every object under ``prefix``, in key order, across all result pages."""

    @abstractmethod
    def stat(self, bucket: str, key: str) -> ObjectInfo: ...

    @abstractmethod
    def read(self, bucket: str, key: str, start: int = 0, length: int | None = None) -> bytes:
        """Bytes ``[start, start+length)`` of an object (ranged GET)."""

    @abstractmethod
    def open(self, bucket: str, key: str) -> BinaryIO:
        """A streaming reader over the whole object."""

    @abstractmethod
    def put(self, bucket: str, key: str, data: bytes,
            metadata: Mapping[str, str] | None = None) -> ObjectInfo:
        """Write a whole object in one request, with the cloud's transport integrity check."""

    def put_stream(self, bucket: str, key: str, stream: BinaryIO, *, size: int | None = None,
                   metadata: Mapping[str, str] | None = None) -> ObjectInfo:
        """Write a whole object from a stream as one upload; clouds that can stream override this."""
        return self.put(bucket, key, stream.read(), metadata)

    @abstractmethod
    def begin_multipart(self, bucket: str, key: str,
                        metadata: Mapping[str, str] | None = None) -> MultipartWriter: ...

    @abstractmethod
    def copy(self, src_bucket: str, src_key: str, dst_bucket: str, dst_key: str) -> ObjectInfo:
        """Server-side copy: no byte passes through this process."""

    @abstractmethod
    def delete(self, bucket: str, key: str) -> None:
        """Delete an object; deleting a missing object is not an error."""

    @abstractmethod
    def list_incomplete(self, bucket: str, prefix: str = "") -> list[IncompleteUpload]:
        """Multipart uploads started and never completed nor aborted."""

    @abstractmethod
    def abort_incomplete(self, bucket: str, upload: IncompleteUpload) -> None: ...

    def direct_url(self, bucket: str, key: str, *, expires: int = 3600) -> str | None:
        """A URL (or file path) any HTTP client can read the object from without octoup: a
        presigned HTTPS URL valid ``expires`` seconds. None when this adapter cannot make one."""
        return None

    def native_digest(self, info: ObjectInfo) -> tuple[str, str] | None:
        """(algorithm, value) a full download can be checked against, when the cloud has one."""
        for algorithm in ("md5", "crc32c", "sha256"):
            if algorithm in info.checksums:
                return algorithm, info.checksums[algorithm]
        return None

    # -- built on the primitives -------------------------------------------------------------

    def transfer_config(self, override: TransferConfig | None = None) -> TransferConfig:
        if override is not None:
            return override
        base = self.default_transfer
        return TransferConfig(
            part_size=self.settings.part_size or base.part_size,
            concurrency=self.settings.concurrency or base.concurrency,
            multipart_threshold=base.multipart_threshold,
        )

    def upload_stream(self, bucket: str, key: str, stream: BinaryIO, *, size: int | None = None,
                      config: TransferConfig | None = None, progress: Progress | None = None,
                      expected_sha256: str | None = None,
                      metadata: Mapping[str, str] | None = None) -> TransferResult:
        """Upload from any readable stream; multipart with parallel parts above the threshold."""
        from octoup.storage.transfer import upload_stream

        return upload_stream(self, bucket, key, stream, size=size,
                             config=self.transfer_config(config), progress=progress,
                             expected_sha256=expected_sha256, metadata=metadata)

    def upload_file(self, bucket: str, key: str, path: Path | str, **kwargs) -> TransferResult:
        path = Path(path)
        with path.open("rb") as fh:
            return self.upload_stream(bucket, key, fh, size=path.stat().st_size, **kwargs)

    def upload_files(self, items: Iterable[tuple[Path, str]], bucket: str, *,
                     config: TransferConfig | None = None,
                     progress: Progress | None = None) -> list[TransferResult]:
        """Upload many files in parallel (one thread per file, large files in parallel parts)."""
        from octoup.storage.transfer import upload_files

        return upload_files(self, bucket, list(items), config=self.transfer_config(config),
                            progress=progress)

    def download_file(self, bucket: str, key: str, path: Path | str, *,
                      config: TransferConfig | None = None, progress: Progress | None = None,
                      expected_sha256: str | None = None) -> TransferResult:
        """Parallel ranged download into ``path``, verified, written atomically."""
        from octoup.storage.transfer import download_file

        return download_file(self, bucket, key, Path(path), config=self.transfer_config(config),
                             progress=progress, expected_sha256=expected_sha256)


# -- compute ------------------------------------------------------------------------------------

PROJECT_TAG = "octoup-project"
MACHINE_TAG = "octoup-machine"


@dataclass(frozen=True)
class MachineSpec:
    """What to provision: one VM and what it needs, all tagged with the project and machine."""

    name: str
    project: str
    size: str
    instance_type: str
    image: str | None
    user_data: str
    ssh_public_key: str
    disk_gb: int

    @property
    def tags(self) -> dict[str, str]:
        return {PROJECT_TAG: self.project, MACHINE_TAG: self.name, "octoup-size": self.size}


@dataclass(frozen=True)
class Machine:
    cloud: str
    id: str
    name: str
    project: str
    state: str
    instance_type: str
    size: str | None = None
    public_ip: str | None = None
    private_ip: str | None = None
    launched: datetime | None = None
    ssh_user: str = "debian"


@dataclass(frozen=True)
class CloudResource:
    """Anything a machine left on the cloud: ``instance``, ``volume``, ``security-group``, ``key-pair``."""

    kind: str
    id: str
    machine: str | None = None
    state: str | None = None


TEARDOWN_ORDER = ("instance", "volume", "security-group", "key-pair", "resource-group")
"""Instances first (their volumes and groups cannot go while they run), key pairs, then the
resource group that holds the rest (Azure)."""


class ComputeProvider(ABC):
    """A cloud's VMs. Everything created carries :data:`PROJECT_TAG` and :data:`MACHINE_TAG`, so
    listing by tag finds all of it and teardown leaves nothing behind."""

    name: ClassVar[str]

    def __init__(self, settings: CloudSettings, *, project: str | None = None):
        self.settings = settings
        self.project = project

    @property
    def sizes_cloud(self) -> str:
        """Which cloud's column of the size table this adapter provisions from."""
        return self.name

    @abstractmethod
    def check_credentials(self) -> CredentialStatus: ...

    @abstractmethod
    def create(self, spec: MachineSpec, created: list[CloudResource]) -> Machine:
        """Provision ``spec``; append every resource to ``created`` as soon as it exists, so a
        failure half-way can be undone by the caller."""

    @abstractmethod
    def machines(self, project: str | None) -> list[Machine]:
        """Machines tagged with ``project`` (every octoup machine when None), not terminated."""

    @abstractmethod
    def resources(self, project: str | None, machine: str | None = None) -> list[CloudResource]:
        """Every live resource tagged with ``project`` (and ``machine`` when given)."""

    @abstractmethod
    def delete(self, resource: CloudResource) -> None:
        """Delete one resource; an instance is waited for until it is gone."""

"""The parameters a stack program reads (``octoup-stack.json``), made from the project's config.

No secret ever goes in: the SSH key is the public half, the clone URL has its credentials
stripped, and cloud credentials stay in the cloud's own credential chain."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

from octoup.errors import OctoupError
from octoup.provider import MACHINE_TAG, PROJECT_TAG

CLOUDS = {"aws": "pulumi_aws", "gcp": "pulumi_gcp", "azure": "pulumi_azure_native"}
PACKAGES = {"aws": "pulumi-aws", "gcp": "pulumi-gcp", "azure": "pulumi-azure-native"}
STACK_TAG = "octoup-stack"


@dataclass
class StackParams:
    cloud: str
    project: str
    name: str
    bucket: str
    region: str | None
    tags: dict[str, str] = field(default_factory=dict)
    size: str | None = None
    instance_type: str | None = None
    disk_gb: int | None = None
    gpus: int = 0
    image: str | None = None
    ssh_public_key: str | None = None
    user_data: str | None = None

    def to_json(self) -> str:
        import json

        return json.dumps(asdict(self), indent=2) + "\n"


def check_cloud(cloud: str) -> None:
    if cloud not in CLOUDS:
        raise OctoupError(f"no stack for cloud {cloud!r}", f"Stacks: {', '.join(CLOUDS)}.")


def stack_name(project: str, cloud: str) -> str:
    return f"octoup-{project}-{cloud}"[:40].rstrip("-")


def build(project, cloud: str, *, size: str | None = None, image: str | None = None) -> StackParams:
    """Parameters for ``cloud``'s program from ``project`` (a loaded :class:`octoup.config.Project`)."""
    check_cloud(cloud)
    settings = project.config.clouds.get(cloud, {})
    name = stack_name(project.name, cloud)
    params = StackParams(
        cloud=cloud, project=project.name, name=name,
        bucket=settings.get("bucket") or f"octoup-{project.name}"[:63],
        region=settings.get("region"),
        tags={PROJECT_TAG: project.name, MACHINE_TAG: name, STACK_TAG: name})
    if size:
        from octoup.compute import cloudinit, sizes
        from octoup.compute.machines import ssh_key

        chosen = sizes.get(size)
        _, public = ssh_key()
        params.size = chosen.name
        params.instance_type = chosen.instance_type(cloud)
        params.disk_gb, params.gpus, params.image = chosen.disk_gb, chosen.gpus, image
        params.ssh_public_key = public
        params.user_data = cloudinit.render(repo_url=cloudinit.origin_url(project.root),
                                            project=project.name, ssh_public_key=public)
    return params


def program_dir(cloud: str) -> Path:
    from octoup.resources import stacks_dir

    return stacks_dir() / cloud

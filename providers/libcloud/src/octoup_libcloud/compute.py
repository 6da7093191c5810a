"""Machines through a libcloud compute driver, chosen to match the storage driver's cloud
(``s3`` → ``ec2``). Implemented for drivers with key pairs, security groups and tags on nodes,
volumes and groups (libcloud's EC2 driver and its EC2-compatible relatives); other drivers are
refused with a clear message instead of half-working."""

from __future__ import annotations

import os
import time
from contextlib import contextmanager
from functools import cached_property
from urllib.parse import urlsplit

from octoup import secrets
from octoup.errors import CredentialsError, OctoupError
from octoup.provider import (
    MACHINE_TAG,
    PROJECT_TAG,
    CloudResource,
    ComputeProvider,
    CredentialStatus,
    Machine,
    MachineSpec,
)
from octoup_libcloud.settings import LibcloudSettings

COMPUTE_DRIVERS = {"s3": "ec2"}
"""storage driver → compute driver of the same cloud; only EC2-style drivers are supported."""
SIZES = {"ec2": "aws"}
"""compute driver → the column of octoup's size table its instance types come from."""
GONE = ("NotFound", "does not exist")


class LibcloudCompute(ComputeProvider):
    name = "libcloud"
    settings: LibcloudSettings

    @cached_property
    def driver_name(self) -> str:
        name = COMPUTE_DRIVERS.get(self.settings.driver)
        if name is None:
            raise OctoupError(
                f"no libcloud compute driver is wired up for the '{self.settings.driver}' storage driver",
                f"Compute through libcloud works for: {', '.join(COMPUTE_DRIVERS)} "
                f"(→ {', '.join(COMPUTE_DRIVERS.values())}); use --cloud aws for EC2 through boto3.")
        return name

    @property
    def sizes_cloud(self) -> str:
        return SIZES[self.driver_name]

    @cached_property
    def driver(self):
        from libcloud.compute.providers import get_driver

        s = self.settings
        key, secret = os.environ.get(s.key_env), os.environ.get(s.secret_env)
        secrets.register(secret)
        if not key or not secret:
            raise CredentialsError(f"No credentials for the libcloud '{self.driver_name}' driver.",
                                   f"Set {s.key_env} and {s.secret_env}.")
        kwargs: dict = {"region": s.region or "us-east-1", "signature_version": "4"}
        if s.endpoint_url:
            url = urlsplit(s.endpoint_url)
            secure = url.scheme == "https"
            kwargs.update(host=url.hostname, port=url.port or (443 if secure else 80), secure=secure)
        return get_driver(self.driver_name)(key, secret, **kwargs)

    @contextmanager
    def _errors(self, doing: str):
        from libcloud.common.exceptions import BaseHTTPError
        from libcloud.common.types import InvalidCredsError, LibcloudError

        try:
            yield
        except InvalidCredsError:
            raise CredentialsError(f"The libcloud '{self.driver_name}' driver's credentials were "
                                   f"rejected while {doing}.",
                                   f"Check {self.settings.key_env} / {self.settings.secret_env}.") from None
        except (LibcloudError, BaseHTTPError) as exc:
            # libcloud drops the body of some error replies: keep at least the status
            text = (getattr(exc, "message", None) or getattr(exc, "value", None) or str(exc)
                    or f"HTTP {getattr(exc, 'code', '?')} (libcloud kept no error text)")
            hint = ("Pick a smaller --size or another region, or ask the cloud for a higher quota."
                    if "LimitExceeded" in text or "InsufficientInstanceCapacity" in text else None)
            raise OctoupError(f"libcloud '{self.driver_name}' refused {doing}: {text}", hint) from None
        except OSError as exc:
            raise OctoupError(f"Cannot reach {self.settings.endpoint_url or self.driver_name} while "
                              f"{doing} ({type(exc).__name__}).",
                              "Check clouds.libcloud.endpoint_url and your network.") from None

    def check_credentials(self) -> CredentialStatus:
        s = self.settings
        missing = [name for name in (s.key_env, s.secret_env) if not os.environ.get(name)]
        if missing:
            return CredentialStatus(False, f"{' and '.join(missing)} not set for libcloud compute",
                                    f"Set {s.key_env} and {s.secret_env}.")
        return CredentialStatus(True, f"environment ({s.key_env}, {s.secret_env})")

    # -- create -----------------------------------------------------------------------------

    def create(self, spec: MachineSpec, created: list[CloudResource]) -> Machine:
        from libcloud.compute.base import NodeImage, NodeSize

        driver = self.driver
        with self._errors(f"importing key pair {spec.name}"):
            driver.import_key_pair_from_string(spec.name, spec.ssh_public_key)
        created.append(CloudResource("key-pair", spec.name, spec.name))
        with self._errors(f"creating security group {spec.name}"):
            group = driver.ex_create_security_group(spec.name, f"octoup machine {spec.name}: SSH only")
            group_id = group["group_id"]
        created.append(CloudResource("security-group", group_id, spec.name))
        with self._errors(f"tagging and opening SSH on {group_id}"):
            self._tag(group_id, spec.tags)
            driver.ex_authorize_security_group_ingress(group_id, 22, 22, ["0.0.0.0/0"])
        if not spec.image:
            raise OctoupError("libcloud compute needs an image", "Pass --image IMAGE_ID.")
        with self._errors(f"starting a {spec.instance_type} node from {spec.image}"):
            node = driver.create_node(
                name=spec.name, size=NodeSize(spec.instance_type, spec.instance_type, None, None, None,
                                              None, driver),
                image=NodeImage(spec.image, spec.image, driver), ex_keyname=spec.name,
                ex_securitygroup=[spec.name], ex_userdata=spec.user_data,
                ex_metadata=spec.tags,
                ex_blockdevicemappings=[{"DeviceName": "/dev/xvda", "Ebs": {
                    "VolumeSize": spec.disk_gb, "DeleteOnTermination": "true"}}])
        created.append(CloudResource("instance", node.id, spec.name))
        with self._errors(f"tagging the volumes of {node.id}"):
            for volume in driver.list_volumes(node):
                self._tag(volume.id, spec.tags)
        return self._machine(node)

    def _tag(self, resource_id: str, tags: dict[str, str]) -> None:
        """EC2 CreateTags with the query protocol's 1-based list indexes (libcloud's
        ``ex_create_tags`` numbers them from 0, which strict servers reject)."""
        params = {"Action": "CreateTags", "ResourceId.1": resource_id}
        for number, (key, value) in enumerate(tags.items(), start=1):
            params[f"Tag.{number}.Key"] = key
            params[f"Tag.{number}.Value"] = value
        self.driver.connection.request(self.driver.path, params=params)

    # -- read -------------------------------------------------------------------------------

    def _machine(self, node) -> Machine:
        tags = node.extra.get("tags") or {}
        return Machine(cloud=self.name, id=node.id, name=tags.get(MACHINE_TAG, node.name),
                       project=tags.get(PROJECT_TAG, ""), state=str(node.extra.get("status") or node.state),
                       instance_type=node.extra.get("instance_type") or "", size=tags.get("octoup-size"),
                       public_ip=(node.public_ips or [None])[0], private_ip=(node.private_ips or [None])[0],
                       ssh_user="octo")

    @staticmethod
    def _ours(tags: dict, project: str | None, machine: str | None) -> bool:
        if PROJECT_TAG not in tags or (project and tags[PROJECT_TAG] != project):
            return False
        return not machine or tags.get(MACHINE_TAG) == machine

    def _nodes(self, project: str | None, machine: str | None = None) -> list:
        with self._errors("listing nodes"):
            nodes = self.driver.list_nodes()
        return [n for n in nodes if self._ours(n.extra.get("tags") or {}, project, machine)
                and n.extra.get("status") != "terminated"]

    def machines(self, project: str | None) -> list[Machine]:
        return sorted((self._machine(n) for n in self._nodes(project)), key=lambda m: m.name)

    def resources(self, project: str | None, machine: str | None = None) -> list[CloudResource]:
        driver = self.driver
        found = [CloudResource("instance", n.id, (n.extra.get("tags") or {}).get(MACHINE_TAG),
                               str(n.extra.get("status"))) for n in self._nodes(project, machine)]
        with self._errors("listing volumes, security groups and key pairs"):
            found += [CloudResource("volume", v.id, (v.extra.get("tags") or {}).get(MACHINE_TAG),
                                    str(v.extra.get("state") or v.state))
                      for v in driver.list_volumes()
                      if self._ours(v.extra.get("tags") or {}, project, machine)]
            groups = driver.ex_get_security_groups()
            found += [CloudResource("security-group", g.id, g.extra.get("tags", {}).get(MACHINE_TAG))
                      for g in groups if self._ours(g.extra.get("tags") or {}, project, machine)]
            machines = {r.machine for r in found if r.machine}
            # key pairs carry no tags through libcloud: they are named after their machine
            found += [CloudResource("key-pair", k.name, k.name) for k in driver.list_key_pairs()
                      if k.name in machines or (machine and k.name == machine)]
        return found

    # -- delete -----------------------------------------------------------------------------

    def delete(self, resource: CloudResource) -> None:
        driver = self.driver
        with self._errors(f"deleting {resource.kind} {resource.id}"):
            try:
                if resource.kind == "instance":
                    self._destroy_node(resource.id)
                elif resource.kind == "volume":
                    driver.destroy_volume(_volume(resource.id, driver))
                elif resource.kind == "security-group":
                    driver.ex_delete_security_group_by_id(resource.id)
                elif resource.kind == "key-pair":
                    driver.delete_key_pair(_key_pair(resource.id, driver))
            except Exception as exc:
                if not any(marker in str(exc) for marker in GONE):
                    raise

    def _destroy_node(self, node_id: str, timeout: float = 600) -> None:
        driver = self.driver
        nodes = [n for n in driver.list_nodes(ex_node_ids=[node_id])]
        for node in nodes:
            driver.destroy_node(node)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            states = [n.extra.get("status") for n in driver.list_nodes(ex_node_ids=[node_id])]
            if all(state == "terminated" for state in states):
                return
            time.sleep(2)
        raise OctoupError(f"node {node_id} did not terminate within {timeout:.0f} s",
                          "Run `octoup compute down` again in a minute.")


def _volume(volume_id: str, driver):
    from libcloud.compute.base import StorageVolume

    return StorageVolume(volume_id, None, None, driver)


def _key_pair(name: str, driver):
    from libcloud.compute.base import KeyPair

    return KeyPair(name, None, None, driver)

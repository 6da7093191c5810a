"""Compute Engine machines through the Compute REST API (v1) with google-auth: an SSH-only
firewall (firewalls take no labels: its name is the machine's and its description carries the
tags) and one instance whose boot disk is labelled and deleted with it. The SSH key goes in the
instance's ``ssh-keys`` metadata, so there is no key-pair resource on GCE."""

from __future__ import annotations

import time
from functools import cached_property

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
from octoup_gcp import adaptor
from octoup_gcp.settings import GcpSettings

API = "https://compute.googleapis.com"
IMAGE = "projects/debian-cloud/global/images/family/debian-12"
QUOTA = ("QUOTA_EXCEEDED", "ZONE_RESOURCE_POOL_EXHAUSTED", "quotaExceeded", "rateLimitExceeded")


class GceCompute(ComputeProvider):
    name = "gcp"
    settings: GcpSettings

    @property
    def endpoint(self) -> str | None:
        return self.settings.endpoint_url

    @cached_property
    def _auth(self):
        if self.endpoint:
            return adaptor.anonymous_credentials(), self.settings.project
        try:
            credentials, project = adaptor.default_credentials()
        except Exception:
            raise CredentialsError("No Google Cloud credentials found.",
                                   "Run `gcloud auth application-default login` or set "
                                   "GOOGLE_APPLICATION_CREDENTIALS.") from None
        return credentials, self.settings.project or project

    @cached_property
    def session(self):
        from google.auth.transport.requests import AuthorizedSession

        return AuthorizedSession(self._auth[0])

    @property
    def zone(self) -> str:
        return f"{self.settings.region or 'us-central1'}-a"

    @cached_property
    def base(self) -> str:
        project = self._auth[1]
        if not project:
            raise OctoupError("no Google Cloud project to create machines in",
                              "Set clouds.gcp.project in octoup.toml or GOOGLE_CLOUD_PROJECT.")
        return f"{(self.endpoint or API).rstrip('/')}/compute/v1/projects/{project}"

    def check_credentials(self) -> CredentialStatus:
        try:
            _ = self._auth
        except OctoupError as exc:
            return CredentialStatus(False, exc.message, exc.hint)
        return CredentialStatus(True, "anonymous (emulator)" if self.endpoint
                                else "application default credentials")

    # -- HTTP -------------------------------------------------------------------------------

    def _call(self, method: str, path: str, doing: str, **kwargs) -> dict:
        url = path if path.startswith("http") else f"{self.base}/{path}"
        try:
            response = self.session.request(method, url, timeout=60, **kwargs)
        except OSError as exc:
            raise OctoupError(f"Cannot reach the Compute Engine API while {doing} ({type(exc).__name__}).",
                              "Check your network (and clouds.gcp.endpoint_url).") from None
        if response.status_code == 404 and method == "DELETE":
            return {}
        try:
            body = response.json() if response.content else {}
        except ValueError:
            raise OctoupError(f"{url} did not answer like the Compute Engine API while {doing} "
                              f"(HTTP {response.status_code}, not JSON).",
                              "Check clouds.gcp.endpoint_url.") from None
        if response.status_code >= 400:
            self._raise(body.get("error", {}), doing, response.status_code)
        return body

    def _raise(self, error: dict, doing: str, status: int | None = None) -> None:
        errors = error.get("errors") or [{}]
        reason = errors[0].get("reason") or error.get("status") or errors[0].get("code") or ""
        message = error.get("message") or errors[0].get("message") or ""
        if any(code in f"{reason} {message}" for code in QUOTA):
            raise OctoupError(f"Google Cloud refused {doing}: {reason}: {message}",
                              "Pick a smaller --size or another region, or request more quota "
                              "(IAM & Admin → Quotas).")
        if status in (401, 403):
            raise CredentialsError(f"Google Cloud refused {doing} ({reason or status}): {message}",
                                   "Check the credentials and that the Compute Engine API is enabled.")
        raise OctoupError(f"Google Cloud refused {doing}: {reason}: {message}".rstrip(": "))

    def _wait(self, operation: dict, doing: str, timeout: float = 600) -> None:
        deadline = time.monotonic() + timeout
        while operation.get("status") != "DONE":
            if time.monotonic() > deadline:
                raise OctoupError(f"{doing} did not finish within {timeout:.0f} s")
            time.sleep(1)
            operation = self._call("GET", operation["selfLink"], doing)
        if operation.get("error"):
            self._raise(operation["error"], doing)

    # -- create -----------------------------------------------------------------------------

    def create(self, spec: MachineSpec, created: list[CloudResource]) -> Machine:
        tags = spec.tags
        description = " ".join(f"{key}={value}" for key, value in tags.items())
        doing = f"creating firewall {spec.name}"
        self._wait(self._call("POST", "global/firewalls", doing, json={
            "name": spec.name, "network": "global/networks/default", "description": description,
            "allowed": [{"IPProtocol": "tcp", "ports": ["22"]}], "sourceRanges": ["0.0.0.0/0"],
            "targetTags": [spec.name]}), doing)
        created.append(CloudResource("security-group", spec.name, spec.name))
        body = {
            "name": spec.name, "labels": tags, "tags": {"items": [spec.name]},
            "machineType": f"zones/{self.zone}/machineTypes/{spec.instance_type}",
            "disks": [{"boot": True, "autoDelete": True, "initializeParams": {
                "sourceImage": spec.image or IMAGE, "diskSizeGb": str(spec.disk_gb), "labels": tags}}],
            "networkInterfaces": [{"network": "global/networks/default",
                                   "accessConfigs": [{"type": "ONE_TO_ONE_NAT", "name": "External NAT"}]}],
            "metadata": {"items": [{"key": "user-data", "value": spec.user_data},
                                   {"key": "ssh-keys", "value": f"octo:{spec.ssh_public_key}"}]},
        }
        if spec.size == "gpu":
            body["scheduling"] = {"onHostMaintenance": "TERMINATE"}
        doing = f"starting a {spec.instance_type} instance in {self.zone}"
        operation = self._call("POST", f"zones/{self.zone}/instances", doing, json=body)
        created.append(CloudResource("instance", spec.name, spec.name))
        self._wait(operation, doing)
        return self._machine(self._call("GET", f"zones/{self.zone}/instances/{spec.name}", doing))

    # -- read -------------------------------------------------------------------------------

    def _machine(self, item: dict) -> Machine:
        labels = item.get("labels") or {}
        nic = (item.get("networkInterfaces") or [{}])[0]
        nat = (nic.get("accessConfigs") or [{}])[0].get("natIP")
        return Machine(cloud=self.name, id=item["name"], name=labels.get(MACHINE_TAG, item["name"]),
                       project=labels.get(PROJECT_TAG, ""), state=item.get("status", "").lower(),
                       instance_type=item.get("machineType", "").rsplit("/", 1)[-1],
                       size=labels.get("octoup-size"), public_ip=nat, private_ip=nic.get("networkIP"),
                       ssh_user="octo")

    def _items(self, path: str, project: str | None, machine: str | None, doing: str) -> list[dict]:
        label = f"labels.{PROJECT_TAG}={project}" if project else f"labels.{PROJECT_TAG}:*"
        filters = label + (f" AND labels.{MACHINE_TAG}={machine}" if machine else "")
        items, token = [], None
        while True:
            params = {"filter": filters, **({"pageToken": token} if token else {})}
            page = self._call("GET", path, doing, params=params)
            items += page.get("items", [])
            token = page.get("nextPageToken")
            if not token:
                return items

    def machines(self, project: str | None) -> list[Machine]:
        items = self._items(f"zones/{self.zone}/instances", project, None, "listing instances")
        return sorted((self._machine(i) for i in items), key=lambda m: m.name)

    def resources(self, project: str | None, machine: str | None = None) -> list[CloudResource]:
        found = [CloudResource("instance", i["name"], (i.get("labels") or {}).get(MACHINE_TAG),
                               i.get("status"))
                 for i in self._items(f"zones/{self.zone}/instances", project, machine, "listing instances")]
        found += [CloudResource("volume", d["name"], (d.get("labels") or {}).get(MACHINE_TAG),
                                d.get("status"))
                  for d in self._items(f"zones/{self.zone}/disks", project, machine, "listing disks")]
        firewalls = self._call("GET", "global/firewalls", "listing firewalls").get("items", [])
        for rule in firewalls:
            tags = dict(part.split("=", 1) for part in rule.get("description", "").split() if "=" in part)
            if PROJECT_TAG in tags and (not project or tags[PROJECT_TAG] == project) and (
                    not machine or tags.get(MACHINE_TAG) == machine):
                found.append(CloudResource("security-group", rule["name"], tags.get(MACHINE_TAG)))
        return found

    # -- delete -----------------------------------------------------------------------------

    def delete(self, resource: CloudResource) -> None:
        path = {"instance": f"zones/{self.zone}/instances/{resource.id}",
                "volume": f"zones/{self.zone}/disks/{resource.id}",
                "security-group": f"global/firewalls/{resource.id}"}[resource.kind]
        doing = f"deleting {resource.kind} {resource.id}"
        operation = self._call("DELETE", path, doing)
        if operation:
            self._wait(operation, doing)

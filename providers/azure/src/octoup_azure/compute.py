"""Azure VMs through the Azure Resource Manager REST API, one resource group per machine: the
group (tagged) holds the SSH-only network security group, virtual network, public IP, network
interface and the VM with its OS disk, so deleting the group leaves nothing behind.
Needs AZURE_SUBSCRIPTION_ID and azure-identity (``octoup-azure[identity]``) for a token."""

from __future__ import annotations

import base64
import os
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
from octoup_azure.settings import AzureSettings

ARM = "https://management.azure.com"
GROUPS_API, NETWORK_API, COMPUTE_API = "2021-04-01", "2023-09-01", "2023-09-01"
QUOTA = ("QuotaExceeded", "quota", "SkuNotAvailable", "AllocationFailed", "ZonalAllocationFailed")
SUBSCRIPTION_HINT = ("Set AZURE_SUBSCRIPTION_ID (az account show --query id -o tsv) and sign in "
                     "with `az login` (needs octoup-azure[identity]).")


class AzureCompute(ComputeProvider):
    name = "azure"
    settings: AzureSettings

    @property
    def endpoint(self) -> str | None:
        return self.settings.endpoint_url

    @property
    def location(self) -> str:
        return self.settings.region or "eastus"

    @cached_property
    def subscription(self) -> str:
        value = os.environ.get("AZURE_SUBSCRIPTION_ID")
        if not value:
            raise CredentialsError("AZURE_SUBSCRIPTION_ID is not set.", SUBSCRIPTION_HINT)
        return value

    @cached_property
    def session(self):
        import requests

        session = requests.Session()
        if not self.endpoint:
            try:
                from azure.identity import DefaultAzureCredential

                token = DefaultAzureCredential().get_token(f"{ARM}/.default").token
            except ImportError:
                raise CredentialsError("Azure compute needs azure-identity for a token.",
                                       "pip install 'octoup-azure[identity]'") from None
            except Exception:
                raise CredentialsError("No Azure credentials found for Resource Manager.",
                                       SUBSCRIPTION_HINT) from None
            session.headers["Authorization"] = f"Bearer {token}"
        return session

    def check_credentials(self) -> CredentialStatus:
        if not os.environ.get("AZURE_SUBSCRIPTION_ID"):
            return CredentialStatus(False, "AZURE_SUBSCRIPTION_ID is not set", SUBSCRIPTION_HINT)
        if self.endpoint:
            return CredentialStatus(True, f"anonymous (emulator at {self.endpoint})")
        try:
            _ = self.session
        except OctoupError as exc:
            return CredentialStatus(False, exc.message, exc.hint)
        return CredentialStatus(True, "azure-identity token")

    # -- HTTP -------------------------------------------------------------------------------

    def _url(self, path: str) -> str:
        return f"{(self.endpoint or ARM).rstrip('/')}/subscriptions/{self.subscription}/{path}"

    def _group(self, group: str) -> str:
        return f"resourcegroups/{group}"

    def _call(self, method: str, path: str, api: str, doing: str, body: dict | None = None,
              params: dict | None = None) -> dict:
        url = path if path.startswith("http") else self._url(path)
        try:
            response = self.session.request(method, url, params={"api-version": api, **(params or {})},
                                            json=body, timeout=60)
        except OSError as exc:
            raise OctoupError(f"Cannot reach Azure Resource Manager while {doing} ({type(exc).__name__}).",
                              "Check your network (and clouds.azure.endpoint_url).") from None
        if response.status_code == 404 and method in ("DELETE", "GET"):
            return {}
        try:
            data = response.json() if response.content else {}
        except ValueError:
            raise OctoupError(f"{url} did not answer like Azure Resource Manager while {doing} "
                              f"(HTTP {response.status_code}, not JSON).",
                              "Check clouds.azure.endpoint_url.") from None
        if response.status_code >= 400:
            error = data.get("error") or {}
            code, message = error.get("code", str(response.status_code)), error.get("message", "")
            if any(marker in f"{code} {message}" for marker in QUOTA):
                raise OctoupError(f"Azure refused {doing}: {code}: {message}",
                                  "Pick a smaller --size or another region, or request more quota "
                                  "(Azure portal → Quotas → Compute).")
            if response.status_code in (401, 403):
                raise CredentialsError(f"Azure refused {doing} ({code}).", SUBSCRIPTION_HINT)
            raise OctoupError(f"Azure refused {doing}: {code}: {message}".rstrip(": "))
        if response.status_code == 202 and response.headers.get("Location"):
            self._poll(response.headers["Location"], doing)
        return data

    def _poll(self, location: str, doing: str, timeout: float = 900) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            response = self.session.get(location, timeout=60)
            if response.status_code != 202:
                return
            time.sleep(float(response.headers.get("Retry-After", 2)))
        raise OctoupError(f"{doing} did not finish within {timeout:.0f} s")

    def _put(self, path: str, api: str, body: dict, doing: str) -> dict:
        data = self._call("PUT", path, api, doing, body)
        deadline = time.monotonic() + 900
        while data.get("properties", {}).get("provisioningState") not in (None, "Succeeded"):
            state = data["properties"]["provisioningState"]
            if state in ("Failed", "Canceled"):
                raise OctoupError(f"Azure could not finish {doing} ({state}).")
            if time.monotonic() > deadline:
                raise OctoupError(f"{doing} did not finish within 900 s")
            time.sleep(3)
            data = self._call("GET", path, api, doing)
        return data

    # -- create -----------------------------------------------------------------------------

    def create(self, spec: MachineSpec, created: list[CloudResource]) -> Machine:
        tags, name, where = spec.tags, spec.name, {"location": self.location, "tags": spec.tags}
        group = self._group(name)
        self._call("PUT", group, GROUPS_API, f"creating resource group {name}", where)
        created.append(CloudResource("resource-group", name, name))
        net = f"{group}/providers/Microsoft.Network"
        nsg = self._put(f"{net}/networkSecurityGroups/{name}", NETWORK_API, {**where, "properties": {
            "securityRules": [{"name": "ssh", "properties": {
                "priority": 1000, "direction": "Inbound", "access": "Allow", "protocol": "Tcp",
                "sourcePortRange": "*", "destinationPortRange": "22", "sourceAddressPrefix": "*",
                "destinationAddressPrefix": "*"}}]}}, "creating the SSH-only security group")
        vnet = self._put(f"{net}/virtualNetworks/{name}", NETWORK_API, {**where, "properties": {
            "addressSpace": {"addressPrefixes": ["10.42.0.0/16"]},
            "subnets": [{"name": "default", "properties": {
                "addressPrefix": "10.42.1.0/24", "networkSecurityGroup": {"id": nsg["id"]}}}]}},
            "creating the virtual network")
        address = self._put(f"{net}/publicIPAddresses/{name}", NETWORK_API, {
            **where, "sku": {"name": "Standard"}, "properties": {"publicIPAllocationMethod": "Static"}},
            "creating the public IP")
        nic = self._put(f"{net}/networkInterfaces/{name}", NETWORK_API, {**where, "properties": {
            "ipConfigurations": [{"name": "primary", "properties": {
                "subnet": {"id": vnet["properties"]["subnets"][0]["id"]},
                "publicIPAddress": {"id": address["id"]}}}]}}, "creating the network interface")
        vm = f"{group}/providers/Microsoft.Compute/virtualMachines/{name}"
        # a VM that fails half-way is still removed: it lives in the group, deleted on failure
        self._put(vm, COMPUTE_API, {**where, "properties": {
            "hardwareProfile": {"vmSize": spec.instance_type},
            "storageProfile": {
                "imageReference": {"publisher": "Debian", "offer": "debian-12", "sku": "12-gen2",
                                   "version": "latest"},
                "osDisk": {"createOption": "FromImage", "deleteOption": "Delete", "diskSizeGB": spec.disk_gb,
                           "managedDisk": {"storageAccountType": "StandardSSD_LRS"}}},
            "osProfile": {"computerName": name[:15], "adminUsername": "octo",
                          "customData": base64.b64encode(spec.user_data.encode()).decode(),
                          "linuxConfiguration": {"disablePasswordAuthentication": True, "ssh": {
                              "publicKeys": [{"path": "/home/octo/.ssh/authorized_keys",
                                              "keyData": spec.ssh_public_key}]}}},
            "networkProfile": {"networkInterfaces": [{"id": nic["id"], "properties": {
                "primary": True, "deleteOption": "Delete"}}]}}},
            f"starting a {spec.instance_type} VM in {self.location}")
        created.append(CloudResource("instance", name, name))
        return self._machine(name, tags)

    # -- read -------------------------------------------------------------------------------

    def _groups(self, project: str | None, machine: str | None) -> list[dict]:
        groups = self._call("GET", "resourcegroups", GROUPS_API, "listing resource groups",
                            params={"$filter": f"tagName eq '{PROJECT_TAG}'"
                                    + (f" and tagValue eq '{project}'" if project else "")})
        return [g for g in groups.get("value", [])
                if PROJECT_TAG in (g.get("tags") or {})
                and (not project or g["tags"][PROJECT_TAG] == project)
                and (not machine or g["tags"].get(MACHINE_TAG) == machine)]

    def _machine(self, name: str, tags: dict) -> Machine | None:
        group = self._group(name)
        vm = self._call("GET", f"{group}/providers/Microsoft.Compute/virtualMachines/{name}",
                        COMPUTE_API, f"reading VM {name}")
        if not vm:
            return None
        address = self._call("GET", f"{group}/providers/Microsoft.Network/publicIPAddresses/{name}",
                             NETWORK_API, f"reading the address of {name}")
        return Machine(cloud=self.name, id=name, name=tags.get(MACHINE_TAG, name),
                       project=tags.get(PROJECT_TAG, ""),
                       state=vm.get("properties", {}).get("provisioningState", "").lower(),
                       instance_type=vm.get("properties", {}).get("hardwareProfile", {}).get("vmSize", ""),
                       size=tags.get("octoup-size"),
                       public_ip=address.get("properties", {}).get("ipAddress"), ssh_user="octo")

    def machines(self, project: str | None) -> list[Machine]:
        found = [self._machine(g["name"], g["tags"]) for g in self._groups(project, None)]
        return sorted((m for m in found if m), key=lambda m: m.name)

    def resources(self, project: str | None, machine: str | None = None) -> list[CloudResource]:
        found = []
        for group in self._groups(project, machine):
            name = group["name"]
            vm = self._machine(name, group["tags"])
            if vm:
                found.append(CloudResource("instance", name, name, vm.state))
            found.append(CloudResource("resource-group", name, name,
                                       group.get("properties", {}).get("provisioningState")))
        return found

    # -- delete -----------------------------------------------------------------------------

    def delete(self, resource: CloudResource) -> None:
        group = self._group(resource.id)
        if resource.kind == "instance":
            self._call("DELETE", f"{group}/providers/Microsoft.Compute/virtualMachines/{resource.id}",
                       COMPUTE_API, f"deleting VM {resource.id}")
        elif resource.kind == "resource-group":
            self._call("DELETE", group, GROUPS_API, f"deleting resource group {resource.id} and all in it")
        else:
            raise OctoupError(f"Azure machines have no separate {resource.kind}")

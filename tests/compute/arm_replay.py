"""No Azure compute emulator exists: this server answers the Azure Resource Manager REST calls
octoup makes with bodies shaped like Azure's recorded ones (resource groups, network security
groups, virtual networks with subnets, public IPs, NICs, VMs with provisioningState, ARM error
objects, the cores-quota ``OperationNotAllowed``), keeping state in memory so the adapter's
create → list → delete round trip and its error paths run over real HTTP."""

from __future__ import annotations

import re

from tests.compute.replay_server import ReplayServer

VM_SIZES = {"Standard_B2s", "Standard_D4s_v5", "Standard_D16s_v5", "Standard_NC4as_T4_v3"}
NO_QUOTA = {"Standard_NC4as_T4_v3": "standardNCASv3_T4Family"}


class ArmReplay(ReplayServer):
    def __init__(self):
        self.groups: dict[str, dict] = {}
        self.resources: dict[str, dict] = {}
        """Resource id (lower case) → body, for everything inside a group."""
        super().__init__()

    @staticmethod
    def error(status: int, code: str, message: str) -> tuple[int, dict]:
        return status, {"error": {"code": code, "message": message}}

    def handle(self, method: str, path: str, query: dict, body: dict) -> tuple[int, dict]:
        match = re.fullmatch(r"/subscriptions/([^/]+)/resourcegroups(?:/([^/]+))?(/providers/.*)?",
                             path, re.I)
        if not match:
            return self.error(404, "InvalidResourceType", f"no route for {path}")
        subscription, group, rest = match.groups()
        if group is None:
            wanted = re.findall(r"'([^']*)'", query.get("$filter", [""])[0])
            groups = [g for g in self.groups.values()
                      if not wanted or (wanted[0] in g["tags"]
                                        and (len(wanted) < 2 or g["tags"][wanted[0]] == wanted[1]))]
            return 200, {"value": groups}
        group_id = f"/subscriptions/{subscription}/resourceGroups/{group}"
        if rest is None:
            if method == "PUT":
                created = group.lower() not in self.groups
                self.groups[group.lower()] = {"id": group_id, "name": group,
                                              "type": "Microsoft.Resources/resourceGroups",
                                              "location": body["location"], "tags": body.get("tags", {}),
                                              "properties": {"provisioningState": "Succeeded"}}
                return (201 if created else 200), self.groups[group.lower()]
            if method == "DELETE":
                if self.groups.pop(group.lower(), None) is None:
                    return self.error(404, "ResourceGroupNotFound",
                                      f"Resource group '{group}' could not be found.")
                for key in [k for k in self.resources if k.startswith(group_id.lower() + "/")]:
                    del self.resources[key]
                return 200, {}
            return (200, self.groups[group.lower()]) if group.lower() in self.groups else self.error(
                404, "ResourceGroupNotFound", f"Resource group '{group}' could not be found.")
        if group.lower() not in self.groups:
            return self.error(404, "ResourceGroupNotFound", f"Resource group '{group}' could not be found.")
        resource_id = f"{group_id}{rest}"
        key = resource_id.lower()
        if method == "PUT":
            return self.put(resource_id, rest, body)
        if method == "DELETE":
            return (200, {}) if self.resources.pop(key, None) is not None else (204, {})
        if key in self.resources:
            return 200, self.resources[key]
        return self.error(404, "ResourceNotFound", f"The Resource '{rest.lstrip('/')}' was not found.")

    def put(self, resource_id: str, rest: str, body: dict) -> tuple[int, dict]:
        kind = rest.split("/")[3]
        properties = dict(body.get("properties", {}))
        if kind == "virtualMachines":
            size = properties["hardwareProfile"]["vmSize"]
            if size not in VM_SIZES:
                return self.error(400, "InvalidParameter", f"The value {size} provided for the VM size "
                                                            "is not valid.")
            if size in NO_QUOTA:
                return self.error(409, "OperationNotAllowed",
                                  f"Operation could not be completed as it results in exceeding approved "
                                  f"{NO_QUOTA[size]} Cores quota. Location: eastus, Current Limit: 0, "
                                  "Current Usage: 0, Additional Required: 4.")
            group_id = resource_id.rsplit("/providers/", 1)[0]
            disk = f"{group_id}/providers/Microsoft.Compute/disks/{rest.split('/')[-1]}_OsDisk"
            self.resources[disk.lower()] = {"id": disk, "name": disk.rsplit("/", 1)[-1],
                                            "properties": {"diskState": "Attached"}}
        if kind == "virtualNetworks":
            properties["subnets"] = [{**subnet, "id": f"{resource_id}/subnets/{subnet['name']}"}
                                     for subnet in properties.get("subnets", [])]
        if kind == "publicIPAddresses":
            properties["ipAddress"] = "20.42.0.7"
        properties["provisioningState"] = "Succeeded"
        self.resources[resource_id.lower()] = {"id": resource_id, "name": rest.rsplit("/", 1)[-1],
                                               "location": body.get("location"), "tags": body.get("tags", {}),
                                               **({"sku": body["sku"]} if "sku" in body else {}),
                                               "properties": properties}
        return 201, self.resources[resource_id.lower()]

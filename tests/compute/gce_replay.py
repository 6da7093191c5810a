"""No Compute Engine emulator exists: this server answers the Compute v1 REST calls octoup makes
with response bodies shaped like Google's recorded ones (operations, instances, disks, firewalls,
error objects, the QUOTA_EXCEEDED operation error), keeping their state in memory so the adapter's
create → list → delete round trip and its error paths run over real HTTP."""

from __future__ import annotations

import itertools
import re

from tests.compute.replay_server import ReplayServer

MACHINE_TYPES = {"e2-medium", "n2-standard-4", "n2-standard-16", "g2-standard-4"}
GPU_TYPES = {"g2-standard-4"}


class GceReplay(ReplayServer):
    def __init__(self, gpu_quota: int = 0):
        self.instances: dict[str, dict] = {}
        self.disks: dict[str, dict] = {}
        self.firewalls: dict[str, dict] = {}
        self.gpu_quota = gpu_quota
        self.ids = itertools.count(1000)
        super().__init__()

    # -- shapes -------------------------------------------------------------------------------

    def operation(self, base: str, target: str, error: dict | None = None) -> dict:
        name = f"operation-{next(self.ids)}"
        op = {"kind": "compute#operation", "id": str(next(self.ids)), "name": name,
              "operationType": "insert", "targetLink": target, "status": "DONE", "progress": 100,
              "selfLink": f"{base}/global/operations/{name}"}
        if error:
            op["error"] = {"errors": [error]}
            op["httpErrorStatusCode"] = 403
        return op

    @staticmethod
    def not_found(what: str) -> tuple[int, dict]:
        return 404, {"error": {"code": 404, "message": f"The resource '{what}' was not found",
                               "errors": [{"message": f"The resource '{what}' was not found",
                                           "domain": "global", "reason": "notFound"}]}}

    @staticmethod
    def matches(item: dict, expression: str) -> bool:
        labels = item.get("labels") or {}
        for term in filter(None, (t.strip() for t in expression.split(" AND "))):
            key, value = re.fullmatch(r"labels\.([\w-]+)(?:=|:)(.*)", term).groups()
            if (value == "*" and key not in labels) or (value != "*" and labels.get(key) != value):
                return False
        return True

    # -- requests -----------------------------------------------------------------------------

    def handle(self, method: str, path: str, query: dict, body: dict) -> tuple[int, dict]:
        match = re.fullmatch(r"/compute/v1/projects/([^/]+)/(.*)", path)
        if not match:
            return self.not_found(path)
        base = f"{self.url}/compute/v1/projects/{match.group(1)}"
        rest = match.group(2)
        parts = rest.split("/")
        if rest.startswith("global/operations/"):
            return 200, {"kind": "compute#operation", "name": parts[-1], "status": "DONE",
                         "selfLink": f"{base}/{rest}"}
        if rest == "global/firewalls":
            if method == "POST":
                self.firewalls[body["name"]] = {**body, "kind": "compute#firewall",
                                                "id": str(next(self.ids)),
                                                "selfLink": f"{base}/{rest}/{body['name']}"}
                return 200, self.operation(base, f"{base}/{rest}/{body['name']}")
            return 200, {"kind": "compute#firewallList", "items": list(self.firewalls.values())}
        if rest.startswith("global/firewalls/") and method == "DELETE":
            if self.firewalls.pop(parts[-1], None) is None:
                return self.not_found(rest)
            return 200, self.operation(base, f"{base}/{rest}")
        if len(parts) >= 3 and parts[0] == "zones" and parts[2] in ("instances", "disks"):
            store = self.instances if parts[2] == "instances" else self.disks
            if len(parts) == 3 and method == "GET":
                items = [i for i in store.values() if self.matches(i, query.get("filter", [""])[0])]
                return 200, {"kind": f"compute#{parts[2][:-1]}List", **({"items": items} if items else {})}
            if len(parts) == 3 and method == "POST":
                return self.insert(base, parts[1], body)
            name = parts[3]
            if method == "GET":
                return (200, store[name]) if name in store else self.not_found(rest)
            if method == "DELETE":
                item = store.pop(name, None)
                if item is None:
                    return self.not_found(rest)
                if parts[2] == "instances":
                    for disk in item["disks"]:
                        if disk.get("autoDelete"):
                            self.disks.pop(disk["deviceName"], None)
                return 200, self.operation(base, f"{base}/{rest}")
        return self.not_found(rest)

    def insert(self, base: str, zone: str, body: dict) -> tuple[int, dict]:
        machine_type = body["machineType"].rsplit("/", 1)[-1]
        if machine_type not in MACHINE_TYPES:
            message = (f"Invalid value for field 'resource.machineType': '{body['machineType']}'. "
                       f"Machine type with name '{machine_type}' does not exist in zone '{zone}'.")
            return 400, {"error": {"code": 400, "message": message,
                                   "errors": [{"reason": "invalid", "domain": "global"}]}}
        target = f"{base}/zones/{zone}/instances/{body['name']}"
        if machine_type in GPU_TYPES and self.gpu_quota < 1:
            return 200, self.operation(base, target, {
                "code": "QUOTA_EXCEEDED",
                "message": "Quota 'GPUS_ALL_REGIONS' exceeded.  Limit: 0.0 globally.",
                "errorDetails": [{"quotaInfo": {"metricName": "compute.googleapis.com/gpus_all_regions",
                                                "limitName": "GPUS-ALL-REGIONS-per-project", "limit": 0}}]})
        params = body["disks"][0]["initializeParams"]
        self.disks[body["name"]] = {"kind": "compute#disk", "name": body["name"], "status": "READY",
                                    "sizeGb": params["diskSizeGb"], "labels": params.get("labels", {}),
                                    "sourceImage": params["sourceImage"]}
        self.instances[body["name"]] = {
            "kind": "compute#instance", "id": str(next(self.ids)), "name": body["name"],
            "status": "RUNNING", "machineType": f"{base}/zones/{zone}/machineTypes/{machine_type}",
            "labels": body.get("labels", {}),
            "tags": body.get("tags", {}), "metadata": body.get("metadata", {}),
            "disks": [{"deviceName": body["name"], "boot": True, "autoDelete": True}],
            "networkInterfaces": [{"networkIP": "10.128.0.2", "accessConfigs": [
                {"type": "ONE_TO_ONE_NAT", "name": "External NAT", "natIP": "34.123.45.67"}]}],
            "selfLink": target}
        return 200, self.operation(base, target)

"""Compare a stack's desired resources (from the program under mocks) with what the project's
provider adapters can see live, and describe the difference as Pulumi does: + create, ~ update,
- delete. Resources no adapter can read (identity, networks) are marked ``?``: octoup cannot tell
whether they exist, and says so instead of guessing."""

from __future__ import annotations

from dataclasses import dataclass, field

from octoup.errors import OctoupError
from octoup.iac.mocked import Desired
from octoup.iac.params import StackParams

# desired resource type → (live kind, input holding its name); compute kinds match by tag
BUCKETS = {"aws:s3/bucket:Bucket": "bucket", "gcp:storage/bucket:Bucket": "name",
           "azure-native:storage:BlobContainer": "containerName"}
COMPUTE = {"aws:ec2/instance:Instance": "instance", "aws:ec2/securityGroup:SecurityGroup": "security-group",
           "aws:ec2/keyPair:KeyPair": "key-pair", "gcp:compute/instance:Instance": "instance",
           "gcp:compute/firewall:Firewall": "security-group",
           "azure-native:compute:VirtualMachine": "instance",
           "azure-native:resources:ResourceGroup": "resource-group"}
INSTANCE_TYPE = {"aws:ec2/instance:Instance": "instanceType", "gcp:compute/instance:Instance": "machineType"}
LABELS = {"+": "create", "~": "update", "-": "delete", "=": "same", "?": "create (live state not read)"}


@dataclass
class Step:
    op: str
    type: str
    name: str
    detail: str = ""


@dataclass
class Plan:
    stack: str
    cloud: str
    live: str
    """Where the live state came from, or why it was not read."""
    steps: list[Step] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for step in self.steps:
            counts[step.op] = counts.get(step.op, 0) + 1
        return counts


@dataclass
class Live:
    """What the adapters saw: buckets that exist, and compute resources tagged with the stack."""

    buckets: dict[str, bool] = field(default_factory=dict)
    compute: list = field(default_factory=list)
    instance_types: dict[str, str] = field(default_factory=dict)
    readable: set[str] = field(default_factory=set)
    """Which live kinds were actually read (``bucket``, ``compute``)."""
    source: str = ""


def read_live(project, params: StackParams, desired: list[Desired]) -> Live:
    """Ask the project's storage and compute adapters; missing credentials or adapters leave the
    corresponding kinds unread (and the reason in ``source``)."""
    from octoup import registry

    live = Live()
    notes = []
    try:
        storage = registry.storage(params.cloud, project.cloud_settings(params.cloud), project=project.name)
        status = storage.check_credentials()
        if not status.ok:
            raise OctoupError(status.source)
        for resource in desired:
            if resource.type in BUCKETS:
                name = str(resource.inputs.get(BUCKETS[resource.type]))
                live.buckets[name] = _bucket_exists(storage, name)
        live.readable.add("bucket")
        notes.append(f"buckets from the {params.cloud} storage adapter ({status.source})")
    except OctoupError as exc:
        notes.append(f"buckets not read: {exc.message}")
    info = registry.installed().get(params.cloud)
    if info and info.compute:
        try:
            compute = registry.load_object(info.compute)(project.cloud_settings(params.cloud),
                                                         project=project.name)
            live.compute = compute.resources(project.name, params.name)
            live.instance_types = {m.id: m.instance_type for m in compute.machines(project.name)
                                   if m.name == params.name}
            live.readable.add("compute")
            notes.append(f"machines from the {params.cloud} compute adapter")
        except OctoupError as exc:
            notes.append(f"machines not read: {exc.message}")
    else:
        notes.append(f"machines not read: the {params.cloud} provider has no compute adapter")
    live.source = "; ".join(notes)
    return live


def _bucket_exists(storage, name: str) -> bool:
    from octoup.errors import BucketNotFound

    try:
        next(iter(storage.list(name)), None)
        return True
    except BucketNotFound:
        return False


def diff(params: StackParams, desired: list[Desired], live: Live | None) -> Plan:
    plan = Plan(stack=params.name, cloud=params.cloud,
                live=live.source if live else "not read (--no-live)")
    seen_kinds = set()
    for resource in desired:
        plan.steps.append(_step(resource, live, seen_kinds))
    if live and "compute" in live.readable:
        for leftover in live.compute:
            if leftover.kind not in seen_kinds:
                plan.steps.append(Step("-", leftover.kind, leftover.id,
                                       "tagged with the stack, not in the program"))
    return plan


def _step(resource: Desired, live: Live | None, seen_kinds: set[str]) -> Step:
    if live is None:
        return Step("+", resource.type, resource.name)
    if resource.type in BUCKETS:
        if "bucket" not in live.readable:
            return Step("?", resource.type, resource.name)
        name = str(resource.inputs.get(BUCKETS[resource.type]))
        return Step("=" if live.buckets.get(name) else "+", resource.type, resource.name, name)
    if resource.type in COMPUTE:
        if "compute" not in live.readable:
            return Step("?", resource.type, resource.name)
        kind = COMPUTE[resource.type]
        seen_kinds.add(kind)
        found = [r for r in live.compute if r.kind == kind]
        if not found:
            return Step("+", resource.type, resource.name)
        wanted = resource.inputs.get(INSTANCE_TYPE.get(resource.type, ""))
        current = live.instance_types.get(found[0].id)
        if wanted and current and wanted != current:
            return Step("~", resource.type, resource.name, f"instanceType: {current} => {wanted}")
        return Step("=", resource.type, resource.name, found[0].id)
    return Step("?", resource.type, resource.name)


def render(plan: Plan) -> str:
    """Pulumi-style text: one line per resource, then the counts."""
    width = max([len(s.type) for s in plan.steps] + [4])
    names = max([len(s.name) for s in plan.steps] + [4])
    lines = [f"Previewing stack {plan.stack} ({plan.cloud}) offline: desired state from the Pulumi "
             "program under mocks", f"Live state: {plan.live}", "",
             f"     {'Type':<{width}}  {'Name':<{names}}  Plan"]
    for step in plan.steps:
        detail = LABELS[step.op] + (f" [{step.detail}]" if step.detail else "")
        lines.append(f" {step.op:>2}  {step.type:<{width}}  {step.name:<{names}}  {detail}")
    counts = plan.counts()
    lines += ["", "Resources:"]
    for op, label in (("+", "to create"), ("~", "to update"), ("-", "to delete"), ("=", "unchanged"),
                      ("?", "not checked against live state (no adapter reads them)")):
        if counts.get(op):
            lines.append(f"    {op} {counts[op]} {label}")
    return "\n".join(lines) + "\n"

"""Provision, list, inspect and tear down a project's machines on any cloud with a compute adapter.

``up`` undoes what it created when any step fails, so a failed ``up --cloud`` leaves nothing
running; ``down`` deletes by tag (instances, then volumes, security groups, key pairs) and then
lists again to prove that nothing tagged is left.
"""

from __future__ import annotations

import secrets
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from octoup.errors import OctoupError
from octoup.provider import TEARDOWN_ORDER, CloudResource, ComputeProvider, Machine, MachineSpec

Report = Callable[[str], None]
KEY_NAME = "octoup_ed25519"


@dataclass
class Provisioned:
    machine: Machine
    size: str
    instance_type: str
    price: float
    reason: str
    ssh: list[str] = field(default_factory=list)


def compute_for(project, cloud: str) -> ComputeProvider:
    """The cloud's compute adapter with the project's settings."""
    from octoup import registry

    info = registry.get(cloud)
    if not info.compute:
        raise OctoupError(f"the '{cloud}' provider has no compute adapter",
                          "Clouds with compute: `octoup providers` lists them (aws, libcloud).")
    cls = registry.load_object(info.compute)
    return cls(project.cloud_settings(cloud), project=project.name)


def ssh_key(home: Path | None = None) -> tuple[Path, str]:
    """octoup's own SSH key pair under ~/.ssh (made once with ssh-keygen); returns (private key
    path, public key text). Only the public half ever leaves this machine."""
    folder = (home or Path.home()) / ".ssh"
    private = folder / KEY_NAME
    public = private.with_suffix(".pub")
    if not public.is_file():
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        result = subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "octoup",
                                 "-f", str(private)], capture_output=True, text=True)
        if result.returncode != 0:
            raise OctoupError(f"could not make an SSH key at {private}: {result.stderr.strip()}",
                              "Install OpenSSH (ssh-keygen) or make the key yourself.")
    return private, public.read_text(encoding="utf-8").strip()


def machine_name(project: str) -> str:
    return f"octoup-{project}-{secrets.token_hex(3)}"[:63]


def up(project, provider: ComputeProvider, *, size: str | None, image: str | None = None,
       name: str | None = None, report: Report = lambda line: None) -> Provisioned:
    """Provision one machine for ``project``; on failure delete whatever was created, then raise."""
    from octoup.compute import cloudinit, sizes

    if size:
        chosen, reason = sizes.get(size), "chosen with --size"
    else:
        recommendation = sizes.recommend(project.root)
        chosen, reason = recommendation.size, f"recommended: {recommendation.reason}"
    instance_type, price = chosen.for_cloud(provider.sizes_cloud)
    status = provider.check_credentials()
    if not status.ok:
        from octoup.errors import CredentialsError

        raise CredentialsError(f"{provider.name}: {status.source}", status.hint)
    private, public = ssh_key()
    spec = MachineSpec(
        name=name or machine_name(project.name), project=project.name, size=chosen.name,
        instance_type=instance_type, image=image,
        user_data=cloudinit.render(repo_url=cloudinit.origin_url(project.root), project=project.name,
                                   ssh_public_key=public),
        ssh_public_key=public, disk_gb=chosen.disk_gb)
    report(f"provisioning {spec.name}: {chosen.name} = {instance_type} on {provider.name} "
           f"(${price:.4f}/hour; {reason})")
    created: list[CloudResource] = []
    try:
        machine = provider.create(spec, created)
    except BaseException as exc:
        removed = _undo(provider, created, report)
        if isinstance(exc, OctoupError):
            exc.hint = (f"{exc.hint} " if exc.hint else "") + removed
        raise
    return Provisioned(machine, chosen.name, instance_type, price, reason,
                       ssh_command(machine, private))


def _undo(provider: ComputeProvider, created: list[CloudResource], report: Report) -> str:
    if not created:
        return "Nothing had been created."
    failures = teardown(provider, created, report)
    if failures:
        return ("Tried to delete what was created; still there: "
                + ", ".join(f"{r.kind} {r.id}" for r in failures) + " (run `octoup compute down --all`).")
    return ("Deleted what had been created: "
            + ", ".join(f"{r.kind} {r.id}" for r in created) + ".")


def teardown(provider: ComputeProvider, resources: list[CloudResource],
             report: Report = lambda line: None) -> list[CloudResource]:
    """Delete ``resources`` in dependency order; return the ones that could not be deleted."""
    failed = []
    for resource in sorted(resources, key=lambda r: TEARDOWN_ORDER.index(r.kind)):
        try:
            provider.delete(resource)
            report(f"deleted {resource.kind} {resource.id}")
        except OctoupError as exc:
            report(f"could not delete {resource.kind} {resource.id}: {exc.message}")
            failed.append(resource)
    return failed


def down(provider: ComputeProvider, project: str | None, machine: str | None,
         report: Report = lambda line: None) -> tuple[list[CloudResource], list[CloudResource]]:
    """Delete one machine (or all of ``project``'s, or every octoup machine when ``project`` is
    None) and everything tagged with it; return (what was found, what is still tagged after)."""
    resources = provider.resources(project, machine)
    if not resources:
        return [], []
    teardown(provider, resources, report)
    return resources, provider.resources(project, machine)


def find(provider: ComputeProvider, project: str, name: str) -> Machine:
    for machine in provider.machines(project):
        if name in (machine.name, machine.id):
            return machine
    raise OctoupError(f"no machine {name!r} for project {project} on {provider.name}",
                      "`octoup compute ls` lists them.")


def ssh_command(machine: Machine, private: Path | None = None) -> list[str]:
    """ssh with octoup's key and a tunnel to Jupyter on the machine's localhost."""
    from octoup.compute.cloudinit import JUPYTER_PORT

    host = machine.public_ip or machine.private_ip
    if not host:
        raise OctoupError(f"{machine.name} has no IP address yet ({machine.state})",
                          "Wait until it runs: `octoup compute status NAME`.")
    key = private or Path.home() / ".ssh" / KEY_NAME
    return ["ssh", "-i", str(key), "-L", f"{JUPYTER_PORT}:localhost:{JUPYTER_PORT}",
            "-o", "StrictHostKeyChecking=accept-new", f"{machine.ssh_user}@{host}"]
